//! OpenTelemetry trace exports (OTLP JSON, as the collector's file exporter
//! writes them) read as runtime calls between services: a CLIENT or
//! PRODUCER span of service A whose child SERVER or CONSUMER span (same
//! trace, `parentSpanId`) belongs to service B is a call A→B; a CONSUMER
//! span's link to a PRODUCER span is a producer→consumer call too.
//!
//! Files are streamed: serde visitors walk
//! `resourceSpans[].scopeSpans[].spans[]` and keep a compact record of each
//! span that can take part in a call (ids as integers, the service as an
//! index), never a request or a file as a JSON value. A file holds one
//! `ExportTraceServiceRequest` per line or one for the whole file (any
//! layout: they are JSON values one after the other). A malformed request
//! is a diagnostic naming the file, line and column; the spans read before
//! it count, and reading goes on at the next line that starts a request.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::io::{BufReader, Read};
use std::path::PathBuf;
use std::rc::Rc;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::finding::{Diagnostic, Severity};

/// A traces file to read: its path and the name reports show for it.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    pub shown: String,
}

/// What the traces files say.
#[derive(Debug, Clone, Default)]
pub struct Traces {
    /// The files read, as shown; [`Example::file`] indexes them.
    pub files: Vec<String>,
    /// Calls between two different `service.name`s, sorted by (from, to,
    /// asynchronous).
    pub calls: Vec<Call>,
    /// Spans read (every kind).
    pub spans: u64,
    /// Calls within one service (a CLIENT span whose child is its own).
    pub internal_calls: u64,
    /// What could not be read.
    pub diagnostics: Vec<Diagnostic>,
}

/// Calls from one service name to another, as the spans show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub from: String,
    pub to: String,
    /// Producer→consumer (a PRODUCER parent or a CONSUMER child): a message,
    /// not a request the caller waits on.
    pub asynchronous: bool,
    /// Number of parent→child span pairs.
    pub count: u64,
    /// The first pair in file order.
    pub example: Example,
}

/// One span pair that makes a call, to point the user at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// Index into [`Traces::files`].
    pub file: usize,
    /// Line of the child span in its file (1-based).
    pub line: usize,
    pub trace_id: String,
    pub parent_span_id: String,
    pub child_span_id: String,
    /// Joined through a span link rather than `parentSpanId`.
    pub link: bool,
}

/// Longest `service.name` kept; longer ones are cut (untrusted text).
const MAX_NAME_CHARS: usize = 200;
/// Distinct service names kept; spans of further names count as unnamed.
const MAX_SERVICES: usize = 10_000;
/// Service index of spans whose resource names no service (yet).
const NO_SERVICE: u32 = u32::MAX;

/// Reads every file; an unreadable file is an error the caller reports
/// (`Err`: path shown, reason), a malformed one a diagnostic.
pub fn read(sources: &[Source]) -> Result<Traces, (String, String)> {
    let mut reader = Collector::default();
    let mut diagnostics = Vec::new();
    for (index, source) in sources.iter().enumerate() {
        let file = crate::fs::open_user_file(&source.path).map_err(|e| {
            (
                source.shown.clone(),
                format!("cannot read the traces file: {e}"),
            )
        })?;
        reader.file = u16::try_from(index).unwrap_or(u16::MAX);
        diagnostics.extend(read_stream(&mut reader, &source.shown, file));
    }
    let mut traces = reader.join();
    traces.files = sources.iter().map(|s| s.shown.clone()).collect();
    traces.diagnostics = diagnostics;
    Ok(traces)
}

/// Reads one export from `input` (named `shown` in diagnostics): what
/// [`read`] does for one file, for any reader (the fuzz target).
pub fn read_from(input: impl Read, shown: &str) -> Traces {
    let mut collector = Collector::default();
    let diagnostics = read_stream(&mut collector, shown, input);
    let mut traces = collector.join();
    traces.files = vec![shown.to_string()];
    traces.diagnostics = diagnostics;
    traces
}

/// Reads one stream of requests into `collector`; what went wrong, as
/// diagnostics naming `shown`.
fn read_stream(collector: &mut Collector, shown: &str, input: impl Read) -> Vec<Diagnostic> {
    let position = Rc::new(Cell::new(0u64));
    let mut input = Counting {
        inner: BufReader::with_capacity(1 << 16, input),
        newlines: position.clone(),
        unread: None,
        bytes: 0,
    };
    collector.line = position;
    let spans_before = collector.spans;
    let mut first_error: Option<String> = None;
    let mut errors = 0usize;
    let mut resumed = false;
    loop {
        let mut de = serde_json::Deserializer::from_reader(&mut input);
        let failure = loop {
            // `end` succeeds at the end of input; before another value it
            // fails and leaves that value's first byte to be read.
            if de.end().is_ok() {
                break None;
            }
            if let Err(e) = (RequestSeed {
                collector: &mut *collector,
            })
            .deserialize(&mut de)
            {
                break Some(e);
            }
        };
        drop(de);
        let Some(error) = failure else { break };
        errors += 1;
        if first_error.is_none() {
            let at = match error.classify() {
                serde_json::error::Category::Io => format!("after byte {}", input.bytes),
                _ => format!("line {}, column {}", error.line(), error.column()),
            };
            first_error = Some(format!("{at}: {}", plain_error(&error)));
        }
        if error.is_io() || !input.next_request(error.line() as u64) {
            break;
        }
        resumed = true;
    }
    let Some(first) = first_error else {
        return Vec::new();
    };
    let read = collector.spans - spans_before;
    let rest = if resumed {
        format!(
            "reading went on at the next line that starts a request ({errors} malformed part(s) skipped)"
        )
    } else {
        "the rest of the file was not read".to_string()
    };
    let (severity, counted) = if read == 0 {
        // Nothing usable: the run could not use this file at all.
        (Severity::Error, "no span was read from it".to_string())
    } else {
        (
            Severity::Warn,
            format!("the {read} span(s) read before it still count"),
        )
    };
    vec![Diagnostic {
        severity,
        message: format!(
            "traces file {shown} is malformed or truncated at {first}; {counted}, and {rest}"
        ),
        file: Some(shown.to_string()),
        location: None,
    }]
}

/// serde_json's message without its own " at line L column C" tail, which
/// the diagnostic gives once.
fn plain_error(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// A reader that counts the newlines serde_json has consumed, so a span
/// knows its line and a malformed request can be skipped to the next line.
struct Counting<R> {
    inner: BufReader<R>,
    newlines: Rc<Cell<u64>>,
    /// A byte looked at while skipping, handed out again first.
    unread: Option<u8>,
    bytes: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if let Some(byte) = self.unread.take() {
            buf[0] = byte;
            return Ok(1);
        }
        let n = self.inner.read(buf)?;
        let newlines = buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        self.newlines.set(self.newlines.get() + newlines);
        self.bytes += n as u64;
        Ok(n)
    }
}

impl<R: Read> Counting<R> {
    /// After a malformed request that broke on `line`: skips to the first
    /// later line that starts with `{` (a request of a one-per-line file).
    /// False at the end of input.
    fn next_request(&mut self, line: u64) -> bool {
        let mut byte = [0u8];
        // Lines before `line` are consumed; finish that one.
        let mut at_line_start = false;
        while self.newlines.get() < line {
            match self.read(&mut byte) {
                Ok(1) => at_line_start = byte[0] == b'\n',
                _ => return false,
            }
        }
        // serde_json may have consumed the newline itself.
        at_line_start |= self.newlines.get() >= line;
        loop {
            match self.read(&mut byte) {
                Ok(1) => {}
                _ => return false,
            }
            if at_line_start && byte[0] == b'{' {
                self.unread = Some(b'{');
                return true;
            }
            at_line_start = byte[0] == b'\n';
        }
    }
}

/// A span that can be the parent of a call: CLIENT or PRODUCER.
#[derive(Debug, Clone, Copy)]
struct Parent {
    trace: u128,
    span: u64,
    service: u32,
    producer: bool,
}

/// A span that can be the child of a call: SERVER or CONSUMER, through its
/// parent or one of its links (a CONSUMER span only).
#[derive(Debug, Clone, Copy)]
struct Child {
    trace: u128,
    parent: u64,
    span: u64,
    service: u32,
    line: u32,
    file: u16,
    consumer: bool,
    link: bool,
}

/// The compact records of every file read so far.
#[derive(Default)]
struct Collector {
    names: Vec<String>,
    index: HashMap<String, u32>,
    parents: Vec<Parent>,
    children: Vec<Child>,
    spans: u64,
    file: u16,
    line: Rc<Cell<u64>>,
}

impl Collector {
    fn intern(&mut self, name: &str) -> u32 {
        let name: String = name.chars().take(MAX_NAME_CHARS).collect();
        if let Some(&i) = self.index.get(&name) {
            return i;
        }
        if self.names.len() >= MAX_SERVICES {
            return NO_SERVICE;
        }
        let i = self.names.len() as u32;
        self.names.push(name.clone());
        self.index.insert(name, i);
        i
    }

    /// Pairs children with their parents and counts calls per pair of
    /// services.
    fn join(mut self) -> Traces {
        self.parents.sort_unstable_by_key(|p| (p.trace, p.span));
        let mut calls: BTreeMap<(u32, u32, bool), (u64, Example)> = BTreeMap::new();
        let mut internal = 0;
        for child in &self.children {
            let Ok(at) = self
                .parents
                .binary_search_by_key(&(child.trace, child.parent), |p| (p.trace, p.span))
            else {
                continue;
            };
            let parent = self.parents[at];
            if parent.service == NO_SERVICE || child.service == NO_SERVICE {
                continue;
            }
            // A link counts only from a producer to a consumer.
            if child.link && !(parent.producer && child.consumer) {
                continue;
            }
            if parent.service == child.service {
                internal += 1;
                continue;
            }
            let asynchronous = parent.producer || child.consumer;
            calls
                .entry((parent.service, child.service, asynchronous))
                .and_modify(|(count, _)| *count += 1)
                .or_insert_with(|| {
                    (
                        1,
                        Example {
                            file: usize::from(child.file),
                            line: child.line as usize,
                            trace_id: format!("{:032x}", child.trace),
                            parent_span_id: format!("{:016x}", parent.span),
                            child_span_id: format!("{:016x}", child.span),
                            link: child.link,
                        },
                    )
                });
        }
        let mut calls: Vec<Call> = calls
            .into_iter()
            .map(|((from, to, asynchronous), (count, example))| Call {
                from: self.names[from as usize].clone(),
                to: self.names[to as usize].clone(),
                asynchronous,
                count,
                example,
            })
            .collect();
        calls.sort_by(|a, b| {
            (&a.from, &a.to, a.asynchronous).cmp(&(&b.from, &b.to, b.asynchronous))
        });
        Traces {
            files: Vec::new(),
            calls,
            spans: self.spans,
            internal_calls: internal,
            diagnostics: Vec::new(),
        }
    }
}

/// Every `service.name` of `traces` that takes part in a call, sorted.
pub fn calling_services(traces: &Traces) -> BTreeSet<&str> {
    traces
        .calls
        .iter()
        .flat_map(|c| [c.from.as_str(), c.to.as_str()])
        .collect()
}

/// Names listed at most in the unknown-services diagnostic.
const MAX_LISTED: usize = 10;

/// One info diagnostic for the `service.name`s that take part in calls but
/// name no `[[service]]` (their calls are left out), listing a few.
pub fn unknown_services_diagnostic(unknown: &[String]) -> Option<Diagnostic> {
    if unknown.is_empty() {
        return None;
    }
    let mut listed: Vec<String> = unknown
        .iter()
        .take(MAX_LISTED)
        .map(|n| format!("`{n}`"))
        .collect();
    if unknown.len() > MAX_LISTED {
        listed.push(format!("and {} more", unknown.len() - MAX_LISTED));
    }
    Some(Diagnostic {
        severity: Severity::Info,
        message: format!(
            "{} service.name(s) in the traces name no [[service]], so their calls are left out: {}; \
             add them to a service's `otel_names` if they are one",
            unknown.len(),
            listed.join(", ")
        ),
        file: None,
        location: None,
    })
}

// ---- the visitors ------------------------------------------------------

/// Keys of an `ExportTraceServiceRequest`.
#[derive(Deserialize)]
#[serde(field_identifier)]
enum RequestKey {
    #[serde(rename = "resourceSpans", alias = "resource_spans")]
    ResourceSpans,
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(field_identifier)]
enum ResourceSpansKey {
    #[serde(rename = "resource")]
    Resource,
    #[serde(
        rename = "scopeSpans",
        alias = "scope_spans",
        alias = "instrumentationLibrarySpans",
        alias = "instrumentation_library_spans"
    )]
    ScopeSpans,
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(field_identifier)]
enum ScopeSpansKey {
    #[serde(rename = "spans")]
    Spans,
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(field_identifier)]
enum SpanKey {
    #[serde(rename = "traceId", alias = "trace_id")]
    TraceId,
    #[serde(rename = "spanId", alias = "span_id")]
    SpanId,
    #[serde(rename = "parentSpanId", alias = "parent_span_id")]
    ParentSpanId,
    #[serde(rename = "kind")]
    Kind,
    #[serde(rename = "links")]
    Links,
    #[serde(other)]
    Other,
}

/// `resource`: only the `service.name` attribute matters.
/// Exporters write `null` for empty fields, hence the options.
#[derive(Deserialize)]
struct Resource {
    #[serde(default)]
    attributes: Option<Vec<KeyValue>>,
}

#[derive(Deserialize)]
struct KeyValue {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    value: Option<AnyValue>,
}

#[derive(Deserialize)]
struct AnyValue {
    #[serde(default, rename = "stringValue", alias = "string_value")]
    string_value: Option<String>,
}

/// A span link: the linked span's ids.
#[derive(Deserialize)]
struct Link {
    #[serde(default, rename = "traceId", alias = "trace_id")]
    trace_id: Option<Id>,
    #[serde(default, rename = "spanId", alias = "span_id")]
    span_id: Option<Id>,
}

/// A hex (or base64) id, parsed without allocating; `None` when empty or
/// not an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Id(Option<u128>);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Id, D::Error> {
        struct IdVisitor;
        impl Visitor<'_> for IdVisitor {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a hex id")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Id, E> {
                Ok(Id(parse_id(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Id, E> {
                Ok(Id(None))
            }
        }
        deserializer.deserialize_any(IdVisitor)
    }
}

/// OTLP JSON writes ids in hex (32 digits for a trace, 16 for a span);
/// protobuf's own JSON mapping writes the bytes in base64. All zeros is no
/// id (the specification's invalid id).
fn parse_id(text: &str) -> Option<u128> {
    let text = text.trim();
    let value =
        if !text.is_empty() && text.len() <= 32 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            u128::from_str_radix(text, 16).ok()?
        } else {
            base64_id(text)?
        };
    (value != 0).then_some(value)
}

/// The 8 or 16 bytes of a standard base64 id, as a big-endian number.
fn base64_id(text: &str) -> Option<u128> {
    let digits = text.trim_end_matches('=');
    if !matches!(digits.len(), 11 | 22) {
        return None;
    }
    let mut bits: u128 = 0;
    let mut count = 0u32;
    let mut value: u128 = 0;
    for b in digits.bytes() {
        let d = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u128::from(d);
        count += 6;
        if count >= 8 {
            count -= 8;
            value = (value << 8) | ((bits >> count) & 0xff);
            bits &= (1 << count) - 1;
        }
    }
    Some(value)
}

/// `kind`: the enum number, or its name (`SPAN_KIND_SERVER`, `SERVER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Kind(u8);

const SERVER: u8 = 2;
const CLIENT: u8 = 3;
const PRODUCER: u8 = 4;
const CONSUMER: u8 = 5;

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Kind, D::Error> {
        struct KindVisitor;
        impl Visitor<'_> for KindVisitor {
            type Value = Kind;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a span kind")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Kind, E> {
                Ok(Kind(u8::try_from(v).unwrap_or(0)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Kind, E> {
                Ok(Kind(u8::try_from(v).unwrap_or(0)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Kind, E> {
                let name = v.trim();
                let name = name
                    .strip_prefix("SPAN_KIND_")
                    .or_else(|| name.strip_prefix("span_kind_"))
                    .unwrap_or(name);
                let kind = match name.to_ascii_uppercase().as_str() {
                    "INTERNAL" => 1,
                    "SERVER" => SERVER,
                    "CLIENT" => CLIENT,
                    "PRODUCER" => PRODUCER,
                    "CONSUMER" => CONSUMER,
                    _ => 0,
                };
                Ok(Kind(kind))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Kind, E> {
                Ok(Kind(0))
            }
        }
        deserializer.deserialize_any(KindVisitor)
    }
}

/// Implements `DeserializeSeed` and `Visitor` for a seed that walks a JSON
/// array, handing each element to `$element`.
macro_rules! list_seed {
    ($name:ident, $element:ident, $what:literal) => {
        impl<'de> DeserializeSeed<'de> for $name<'_> {
            type Value = ();
            fn deserialize<D: de::Deserializer<'de>>(
                self,
                deserializer: D,
            ) -> Result<(), D::Error> {
                deserializer.deserialize_any(self)
            }
        }

        impl<'de> Visitor<'de> for $name<'_> {
            type Value = ();
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($what)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
                while seq
                    .next_element_seed($element {
                        collector: &mut *self.collector,
                        service: self.service,
                    })?
                    .is_some()
                {}
                Ok(())
            }
            fn visit_unit<E: de::Error>(self) -> Result<(), E> {
                Ok(())
            }
        }
    };
}

/// Implements `DeserializeSeed` for a seed that is its own map visitor.
macro_rules! map_seed {
    ($name:ident) => {
        impl<'de> DeserializeSeed<'de> for $name<'_> {
            type Value = ();
            fn deserialize<D: de::Deserializer<'de>>(
                self,
                deserializer: D,
            ) -> Result<(), D::Error> {
                deserializer.deserialize_map(self)
            }
        }
    };
}

struct RequestSeed<'c> {
    collector: &'c mut Collector,
}
map_seed!(RequestSeed);

impl<'de> Visitor<'de> for RequestSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an ExportTraceServiceRequest object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<RequestKey>()? {
            match key {
                RequestKey::ResourceSpans => map.next_value_seed(ResourceSpansList {
                    collector: &mut *self.collector,
                    service: None,
                })?,
                RequestKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct ResourceSpansList<'c> {
    collector: &'c mut Collector,
    service: Option<u32>,
}
list_seed!(
    ResourceSpansList,
    ResourceSpansSeed,
    "a resourceSpans array"
);

/// One resource's spans. Its `resource` may come after its spans (JSON
/// keys have no order): spans read before it are given its service then.
struct ResourceSpansSeed<'c> {
    collector: &'c mut Collector,
    service: Option<u32>,
}
map_seed!(ResourceSpansSeed);

impl<'de> Visitor<'de> for ResourceSpansSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a ResourceSpans object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let collector = self.collector;
        let (parents, children) = (collector.parents.len(), collector.children.len());
        let mut service = self.service;
        while let Some(key) = map.next_key::<ResourceSpansKey>()? {
            match key {
                ResourceSpansKey::Resource => {
                    let resource: Option<Resource> = map.next_value()?;
                    let name = resource
                        .and_then(|r| r.attributes)
                        .into_iter()
                        .flatten()
                        .find(|a| a.key.as_deref() == Some("service.name"))
                        .and_then(|a| a.value?.string_value);
                    if let Some(name) = name {
                        let index = collector.intern(&name);
                        service = Some(index);
                        for p in &mut collector.parents[parents..] {
                            p.service = index;
                        }
                        for c in &mut collector.children[children..] {
                            c.service = index;
                        }
                    }
                }
                ResourceSpansKey::ScopeSpans => map.next_value_seed(ScopeSpansList {
                    collector: &mut *collector,
                    service,
                })?,
                ResourceSpansKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct ScopeSpansList<'c> {
    collector: &'c mut Collector,
    service: Option<u32>,
}
list_seed!(ScopeSpansList, ScopeSpansSeed, "a scopeSpans array");

struct ScopeSpansSeed<'c> {
    collector: &'c mut Collector,
    service: Option<u32>,
}
map_seed!(ScopeSpansSeed);

impl<'de> Visitor<'de> for ScopeSpansSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a ScopeSpans object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<ScopeSpansKey>()? {
            match key {
                ScopeSpansKey::Spans => map.next_value_seed(SpanList {
                    collector: &mut *self.collector,
                    service: self.service,
                })?,
                ScopeSpansKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct SpanList<'c> {
    collector: &'c mut Collector,
    service: Option<u32>,
}
list_seed!(SpanList, SpanSeed, "a spans array");

/// One span: its ids, kind and links are kept as a compact record if it
/// can take part in a call; everything else is skipped unread.
struct SpanSeed<'c> {
    collector: &'c mut Collector,
    service: Option<u32>,
}
map_seed!(SpanSeed);

impl<'de> Visitor<'de> for SpanSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Span object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let collector = self.collector;
        // The span's `{` has been read: this is its line.
        let line = u32::try_from(collector.line.get() + 1).unwrap_or(u32::MAX);
        let (mut trace, mut span, mut parent, mut kind) = (None, None, None, 0);
        let mut links: Vec<Link> = Vec::new();
        while let Some(key) = map.next_key::<SpanKey>()? {
            match key {
                SpanKey::TraceId => trace = map.next_value::<Id>()?.0,
                SpanKey::SpanId => span = map.next_value::<Id>()?.0,
                SpanKey::ParentSpanId => parent = map.next_value::<Id>()?.0,
                SpanKey::Kind => kind = map.next_value::<Kind>()?.0,
                SpanKey::Links => {
                    links = map.next_value::<Option<Vec<Link>>>()?.unwrap_or_default()
                }
                SpanKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        collector.spans += 1;
        let span_id = |id: Option<u128>| id.and_then(|v| u64::try_from(v).ok());
        let (Some(trace), Some(span)) = (trace, span_id(span)) else {
            return Ok(());
        };
        let service = self.service.unwrap_or(NO_SERVICE);
        match kind {
            CLIENT | PRODUCER => collector.parents.push(Parent {
                trace,
                span,
                service,
                producer: kind == PRODUCER,
            }),
            SERVER | CONSUMER => {
                let child = |trace, parent, link| Child {
                    trace,
                    parent,
                    span,
                    service,
                    line,
                    file: collector.file,
                    consumer: kind == CONSUMER,
                    link,
                };
                let mut made = Vec::new();
                if let Some(parent) = span_id(parent) {
                    made.push(child(trace, parent, false));
                }
                if kind == CONSUMER {
                    for link in &links {
                        if let (Some(t), Some(s)) = (
                            link.trace_id.and_then(|i| i.0),
                            span_id(link.span_id.and_then(|i| i.0)),
                        ) {
                            made.push(child(t, s, true));
                        }
                    }
                }
                collector.children.extend(made);
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T1: &str = "5b8efff798038103d269b633813fc60c";
    const T2: &str = "0af7651916cd43dd8448eb211c80319c";

    fn span(trace: &str, id: &str, parent: &str, kind: &str) -> String {
        format!(
            r#"{{"traceId":"{trace}","spanId":"{id}","parentSpanId":"{parent}","name":"op","kind":{kind},"startTimeUnixNano":"1","attributes":[{{"key":"http.route","value":{{"stringValue":"/x"}}}}]}}"#
        )
    }

    fn resource(service: &str, spans: &[String]) -> String {
        format!(
            r#"{{"resource":{{"attributes":[{{"key":"host.name","value":{{"stringValue":"h"}}}},{{"key":"service.name","value":{{"stringValue":"{service}"}}}}]}},"scopeSpans":[{{"scope":{{"name":"tracer"}},"spans":[{}]}}]}}"#,
            spans.join(",")
        )
    }

    fn request(resources: &[String]) -> String {
        format!(r#"{{"resourceSpans":[{}]}}"#, resources.join(","))
    }

    fn read_text(text: &str) -> Traces {
        read_from(text.as_bytes(), "traces.json")
    }

    fn calls(traces: &Traces) -> Vec<(String, String, bool, u64)> {
        traces
            .calls
            .iter()
            .map(|c| (c.from.clone(), c.to.clone(), c.asynchronous, c.count))
            .collect()
    }

    fn call(from: &str, to: &str, asynchronous: bool, count: u64) -> (String, String, bool, u64) {
        (from.into(), to.into(), asynchronous, count)
    }

    #[test]
    fn one_request_per_line_joins_client_and_server_across_requests_and_counts_calls() {
        let lines = [
            request(&[resource(
                "checkout",
                &[
                    span(T1, "00f067aa0ba902b7", "", "2"),
                    span(T1, "1000000000000001", "00f067aa0ba902b7", "3"),
                    span(T2, "2000000000000001", "", "3"),
                ],
            )]),
            request(&[resource(
                "payments",
                &[
                    span(T1, "1000000000000002", "1000000000000001", "2"),
                    span(
                        T2,
                        "2000000000000002",
                        "2000000000000001",
                        "\"SPAN_KIND_SERVER\"",
                    ),
                ],
            )]),
        ];
        let traces = read_text(&format!("{}\n{}\n", lines[0], lines[1]));
        assert_eq!(calls(&traces), [call("checkout", "payments", false, 2)]);
        assert_eq!(traces.spans, 5);
        assert!(traces.diagnostics.is_empty(), "{:?}", traces.diagnostics);
        let example = &traces.calls[0].example;
        assert_eq!(example.line, 2);
        assert_eq!(example.trace_id, T1);
        assert_eq!(example.parent_span_id, "1000000000000001");
        assert_eq!(example.child_span_id, "1000000000000002");
    }

    #[test]
    fn one_pretty_printed_object_per_file_with_resource_after_spans_and_old_key() {
        let text = format!(
            r#"{{
  "resourceSpans": [
    {{
      "instrumentationLibrarySpans": [
        {{ "spans": [ {} ] }}
      ],
      "resource": {{ "attributes": [ {{ "key": "service.name", "value": {{ "stringValue": "gateway" }} }} ] }}
    }},
    {}
  ]
}}
"#,
            span(T1, "00000000000000a1", "", "\"CLIENT\""),
            resource(
                "catalog",
                &[span(T1, "00000000000000b1", "00000000000000a1", "2")]
            ),
        );
        let traces = read_text(&text);
        assert_eq!(calls(&traces), [call("gateway", "catalog", false, 1)]);
        assert_eq!(traces.calls[0].example.line, 9);
    }

    #[test]
    fn a_consumer_linked_to_a_producer_is_an_asynchronous_call() {
        let text = request(&[
            resource("orders", &[span(T1, "00000000000000a1", "", "4")]),
            resource(
                "shipping",
                &[format!(
                    r#"{{"traceId":"{T2}","spanId":"00000000000000c1","kind":5,"links":[{{"traceId":"{T1}","spanId":"00000000000000a1","attributes":[]}}]}}"#
                )],
            ),
        ]);
        let traces = read_text(&text);
        assert_eq!(calls(&traces), [call("orders", "shipping", true, 1)]);
        assert!(traces.calls[0].example.link);
    }

    #[test]
    fn a_link_from_a_server_span_or_to_a_client_span_is_no_call() {
        let text = request(&[
            resource("orders", &[span(T1, "00000000000000a1", "", "3")]),
            resource(
                "shipping",
                &[format!(
                    r#"{{"traceId":"{T2}","spanId":"00000000000000c1","kind":5,"links":[{{"traceId":"{T1}","spanId":"00000000000000a1"}}]}}"#
                )],
            ),
        ]);
        assert!(read_text(&text).calls.is_empty());
    }

    #[test]
    fn calls_within_one_service_and_servers_without_client_parent_are_no_edges() {
        let text = request(&[
            resource(
                "orders",
                &[
                    span(T1, "00000000000000a1", "", "3"),
                    span(T1, "00000000000000a2", "00000000000000a1", "2"),
                    // Its parent is an INTERNAL span of the caller.
                    span(T2, "00000000000000b1", "", "1"),
                ],
            ),
            resource(
                "audit",
                &[span(T2, "00000000000000b2", "00000000000000b1", "2")],
            ),
        ]);
        let traces = read_text(&text);
        assert!(traces.calls.is_empty(), "{:?}", traces.calls);
        assert_eq!(traces.internal_calls, 1);
    }

    #[test]
    fn a_truncated_last_line_is_a_warning_and_what_came_before_counts() {
        let whole = request(&[
            resource("checkout", &[span(T1, "00000000000000a1", "", "3")]),
            resource(
                "payments",
                &[span(T1, "00000000000000a2", "00000000000000a1", "2")],
            ),
        ]);
        let text = format!("{whole}\n{}", &whole[..whole.len() / 2]);
        let traces = read_text(&text);
        assert_eq!(calls(&traces), [call("checkout", "payments", false, 1)]);
        let [diagnostic] = &traces.diagnostics[..] else {
            panic!("{:?}", traces.diagnostics)
        };
        assert_eq!(diagnostic.severity, Severity::Warn);
        assert!(
            diagnostic
                .message
                .starts_with("traces file traces.json is malformed or truncated at line 2, column"),
            "{}",
            diagnostic.message
        );
        assert!(diagnostic
            .message
            .contains("span(s) read before it still count"));
    }

    #[test]
    fn a_malformed_line_is_skipped_and_reading_goes_on_at_the_next_request() {
        let good = request(&[
            resource("checkout", &[span(T1, "00000000000000a1", "", "3")]),
            resource(
                "payments",
                &[span(T1, "00000000000000a2", "00000000000000a1", "2")],
            ),
        ]);
        let text = format!("{good}\n{{\"resourceSpans\": [{{\"scopeSpans\": 7}}]}}\n{good}\n");
        let traces = read_text(&text);
        assert_eq!(calls(&traces), [call("checkout", "payments", false, 2)]);
        let message = &traces.diagnostics[0].message;
        assert!(message.contains("at line 2, column"), "{message}");
        assert!(
            message.contains("reading went on at the next line"),
            "{message}"
        );
    }

    #[test]
    fn a_file_that_is_no_json_is_an_error_naming_where_it_broke() {
        let traces = read_text("service=checkout span=1\n");
        let [diagnostic] = &traces.diagnostics[..] else {
            panic!("{:?}", traces.diagnostics)
        };
        assert_eq!(diagnostic.severity, Severity::Error);
        assert!(
            diagnostic.message.contains("line 1, column 1"),
            "{}",
            diagnostic.message
        );
        assert!(
            diagnostic.message.contains("no span was read"),
            "{}",
            diagnostic.message
        );
        assert!(traces.calls.is_empty());
    }

    #[test]
    fn ids_are_hex_or_base64_and_zero_or_garbage_is_no_id() {
        assert_eq!(parse_id("00f067aa0ba902b7"), Some(0x00f0_67aa_0ba9_02b7));
        assert_eq!(
            parse_id(T1),
            Some(0x5b8e_fff7_9803_8103_d269_b633_813f_c60c)
        );
        assert_eq!(parse_id("00000000000000000000000000000000"), None);
        assert_eq!(parse_id(""), None);
        assert_eq!(parse_id("not-an-id"), None);
        // base64 of the same bytes as protobuf's JSON mapping writes them.
        assert_eq!(parse_id("APBnqgupArc="), Some(0x00f0_67aa_0ba9_02b7));
        assert_eq!(
            parse_id("W47/95gDgQPSabYzgT/GDA=="),
            Some(0x5b8e_fff7_9803_8103_d269_b633_813f_c60c)
        );
    }

    #[test]
    fn every_prefix_and_every_corruption_of_an_export_reads_without_panic() {
        let whole = format!(
            "{}\n{}\n",
            request(&[resource(
                "checkout",
                &[span(T1, "00000000000000a1", "", "4")]
            )]),
            request(&[resource(
                "payments",
                &[format!(
                    r#"{{"traceId":"{T2}","spanId":"00000000000000c1","kind":"SPAN_KIND_CONSUMER","links":[{{"traceId":"{T1}","spanId":"00000000000000a1"}}]}}"#
                )]
            )]),
        );
        let full = read_text(&whole).calls.len();
        assert_eq!(full, 1);
        for end in 0..whole.len() {
            let traces = read_text(&whole[..end]);
            assert!(traces.calls.len() <= full);
        }
        let bytes = whole.as_bytes();
        for at in (0..bytes.len()).step_by(7) {
            for replacement in [b'"', b'{', b']', b'\n', 0xff] {
                let mut broken = bytes.to_vec();
                broken[at] = replacement;
                let mut collector = Collector::default();
                let _ = read_stream(&mut collector, "t.json", &broken[..]);
                let _ = collector.join();
            }
        }
    }

    #[test]
    fn nulls_where_exporters_leave_fields_empty_are_read_as_absent() {
        let text = format!(
            r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":null,"value":null}},{{"key":"service.name","value":{{"stringValue":"checkout"}}}}]}},"schemaUrl":null,"scopeSpans":[{{"scope":null,"spans":[{{"traceId":"{T1}","spanId":"00000000000000a1","parentSpanId":null,"kind":3,"links":null,"attributes":null}}]}}]}},{{"resource":{{"attributes":null}},"scopeSpans":null}},{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"payments"}}}}]}},"scopeSpans":[{{"spans":[{{"traceId":"{T1}","spanId":"00000000000000a2","parentSpanId":"00000000000000a1","kind":2}}]}}]}}]}}"#
        );
        let traces = read_text(&text);
        assert!(traces.diagnostics.is_empty(), "{:?}", traces.diagnostics);
        assert_eq!(calls(&traces), [call("checkout", "payments", false, 1)]);
    }

    #[test]
    fn spans_without_ids_are_counted_but_make_no_call() {
        let text = request(&[
            resource("checkout", &[span(T1, "", "", "3")]),
            resource("payments", &[span(T1, "00000000000000a2", "", "2")]),
        ]);
        let traces = read_text(&text);
        assert_eq!(traces.spans, 2);
        assert!(traces.calls.is_empty());
    }
}
