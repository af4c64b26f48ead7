//! Benchmark of the `--traces` reader on a generated OpenTelemetry export:
//! throughput and peak memory on a file of hundreds of MB.
//!
//! ```sh
//! cargo run --release --example bench_traces -- [--mb 200] [--services 40] [--seed 7] [--keep DIR]
//! ```
//!
//! It writes two exports of about `--mb` MB each — one
//! `ExportTraceServiceRequest` per line (the collector's file exporter) and
//! one pretty-printed request for the whole file — then reads each in a
//! fresh child process (this binary again, with the hidden `--measure
//! FILE`), so the peak resident set (`VmHWM`) belongs to that read alone.
//! The figures go to stdout as Markdown (docs/benchmark.md), progress to
//! stderr.
#![allow(clippy::disallowed_methods)] // writes the generated exports directly

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("--measure") => match args.get(1) {
            Some(file) => measure(Path::new(file)),
            None => Err("--measure needs a file".into()),
        },
        _ => run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_traces: {e}");
            ExitCode::FAILURE
        }
    }
}

struct Settings {
    mb: u64,
    services: usize,
    seed: u64,
    keep: Option<PathBuf>,
}

fn parse(args: &[String]) -> Result<Settings, String> {
    let mut settings = Settings {
        mb: 200,
        services: 40,
        seed: 7,
        keep: None,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let number = || value.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--mb" => settings.mb = number()?,
            "--services" => settings.services = number()?.max(2) as usize,
            "--seed" => settings.seed = number()?,
            "--keep" => settings.keep = Some(PathBuf::from(value)),
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(settings)
}

fn run(args: &[String]) -> Result<(), String> {
    let settings = parse(args)?;
    let dir = match &settings.keep {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("archfit-bench-traces-{}", std::process::id())),
    };
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    println!(
        "| layout | size | spans | calls between services | read time | throughput | peak RSS |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for layout in [Layout::Lines, Layout::Object] {
        let file = dir.join(layout.file_name(settings.mb));
        if !file.exists() {
            eprintln!("writing {} ({} MB)…", file.display(), settings.mb);
            generate(&file, layout, &settings).map_err(|e| format!("{}: {e}", file.display()))?;
        }
        let output = Command::new(&me)
            .args(["--measure", &file.to_string_lossy()])
            .output()
            .map_err(|e| e.to_string())?;
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        let line = String::from_utf8_lossy(&output.stdout);
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [bytes, spans, calls, micros, peak_kib] = fields[..] else {
            return Err(format!("unexpected measurement: {line}"));
        };
        let parse = |s: &str| s.parse::<f64>().unwrap_or(0.0);
        let mb = parse(bytes) / 1e6;
        let seconds = parse(micros) / 1e6;
        println!(
            "| {} | {mb:.0} MB | {spans} | {calls} | {seconds:.2} s | {:.0} MB/s | {:.0} MB |",
            layout.name(),
            mb / seconds,
            parse(peak_kib) / 1024.0
        );
    }
    if settings.keep.is_none() {
        let _ = fs::remove_dir_all(&dir);
    }
    Ok(())
}

/// Reads `file` with the tool's reader; prints bytes, spans, calls,
/// microseconds and peak KiB on one line.
fn measure(file: &Path) -> Result<(), String> {
    let bytes = fs::metadata(file).map_err(|e| e.to_string())?.len();
    let started = Instant::now();
    let traces = archfit::traces::read(&[archfit::traces::Source {
        path: file.to_path_buf(),
        shown: file.display().to_string(),
    }])
    .map_err(|(path, message)| format!("{path}: {message}"))?;
    let elapsed = started.elapsed();
    if let Some(problem) = traces.diagnostics.first() {
        return Err(problem.message.clone());
    }
    let calls: u64 = traces.calls.iter().map(|c| c.count).sum();
    println!(
        "{bytes} {} {calls} {} {}",
        traces.spans,
        elapsed.as_micros(),
        peak_kib()?
    );
    Ok(())
}

/// Peak resident set of this process (`VmHWM`), in KiB.
fn peak_kib() -> Result<u64, String> {
    let status = fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("cannot read /proc/self/status: {e}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| "no VmHWM in /proc/self/status".to_string())
}

#[derive(Clone, Copy)]
enum Layout {
    /// One request per line, as the collector's file exporter writes.
    Lines,
    /// One pretty-printed request for the whole file.
    Object,
}

impl Layout {
    fn name(self) -> &'static str {
        match self {
            Layout::Lines => "one request per line",
            Layout::Object => "one pretty-printed object",
        }
    }

    fn file_name(self, mb: u64) -> String {
        match self {
            Layout::Lines => format!("traces-{mb}mb.jsonl"),
            Layout::Object => format!("traces-{mb}mb.json"),
        }
    }
}

/// A small deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Writes an export of about `settings.mb` MB: requests of traces in which a
/// gateway span calls a few services, each of which does some internal
/// work, queries its database, calls another service or publishes a
/// message that another consumes in a linked trace.
fn generate(file: &Path, layout: Layout, settings: &Settings) -> std::io::Result<()> {
    let target = settings.mb * 1_000_000;
    let mut out = BufWriter::with_capacity(1 << 20, fs::File::create(file)?);
    let mut rng = Rng(settings.seed.max(1));
    let services: Vec<String> = (0..settings.services)
        .map(|i| format!("svc-{i:04}"))
        .collect();
    let pretty = matches!(layout, Layout::Object);
    let (nl, indent) = if pretty { ("\n", "  ") } else { ("", "") };
    let mut written: u64 = 0;
    let mut first = true;
    let mut trace_no: u64 = 0;
    if pretty {
        written += write(&mut out, "{\n  \"resourceSpans\": [\n")?;
    }
    while written < target {
        trace_no += 1;
        let trace = format!("{:016x}{:016x}", rng.next(), trace_no);
        let mut span_no: u64 = 0;
        let mut next_span = || {
            span_no += 1;
            format!("{:08x}{:08x}", trace_no as u32, span_no as u32)
        };
        // service index → its spans as JSON objects.
        let mut by_service: Vec<(usize, Vec<String>)> = Vec::new();
        let mut push =
            |service: usize, span: String| match by_service.iter_mut().find(|(s, _)| *s == service)
            {
                Some((_, spans)) => spans.push(span),
                None => by_service.push((service, vec![span])),
            };
        let t = 1_764_900_000_000_000_000u64 + trace_no * 1_000_000;
        let root = next_span();
        push(
            0,
            span_json(&trace, &root, "", 2, "GET /v1/orders/{id}", t, &[], indent),
        );
        for _ in 0..1 + rng.below(3) {
            let callee = 1 + rng.below(services.len() - 1);
            let client = next_span();
            let server = next_span();
            push(
                0,
                span_json(
                    &trace,
                    &client,
                    &root,
                    3,
                    "GET /v1/items",
                    t + 10,
                    &[],
                    indent,
                ),
            );
            push(
                callee,
                span_json(
                    &trace,
                    &server,
                    &client,
                    2,
                    "GET /v1/items",
                    t + 12,
                    &[],
                    indent,
                ),
            );
            for _ in 0..2 {
                let internal = next_span();
                push(
                    callee,
                    span_json(
                        &trace,
                        &internal,
                        &server,
                        1,
                        "SELECT items",
                        t + 13,
                        &[],
                        indent,
                    ),
                );
            }
            if rng.below(4) == 0 {
                let producer = next_span();
                push(
                    callee,
                    span_json(
                        &trace,
                        &producer,
                        &server,
                        4,
                        "items.changed publish",
                        t + 20,
                        &[],
                        indent,
                    ),
                );
                let consumer_trace = format!("{:016x}{:016x}", rng.next(), trace_no | (1 << 63));
                let consumer = next_span();
                let consumer_service = rng.below(services.len());
                push(
                    consumer_service,
                    span_json(
                        &consumer_trace,
                        &consumer,
                        "",
                        5,
                        "items.changed process",
                        t + 90,
                        &[(&trace, &producer)],
                        indent,
                    ),
                );
            }
        }
        for (service, spans) in by_service {
            let text = resource_json(&services[service], &spans, pretty);
            if pretty {
                if !first {
                    written += write(&mut out, ",\n")?;
                }
                written += write(&mut out, &text)?;
            } else {
                written += write(&mut out, &format!("{{\"resourceSpans\":[{text}]}}\n"))?;
            }
            first = false;
        }
    }
    if pretty {
        written += write(&mut out, &format!("{nl}  ]{nl}}}\n"))?;
    }
    let _ = written;
    out.flush()
}

fn write(out: &mut impl Write, text: &str) -> std::io::Result<u64> {
    out.write_all(text.as_bytes())?;
    Ok(text.len() as u64)
}

#[allow(clippy::too_many_arguments)]
fn span_json(
    trace: &str,
    span: &str,
    parent: &str,
    kind: u8,
    name: &str,
    start: u64,
    links: &[(&str, &str)],
    indent: &str,
) -> String {
    let links = if links.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = links
            .iter()
            .map(|(t, s)| format!("{{\"traceId\":\"{t}\",\"spanId\":\"{s}\",\"attributes\":[]}}"))
            .collect();
        format!(",\"links\":[{}]", list.join(","))
    };
    format!(
        "{indent}{indent}{indent}{{\"traceId\":\"{trace}\",\"spanId\":\"{span}\",\"parentSpanId\":\"{parent}\",\
         \"name\":\"{name}\",\"kind\":{kind},\"startTimeUnixNano\":\"{start}\",\"endTimeUnixNano\":\"{}\",\
         \"attributes\":[{{\"key\":\"http.request.method\",\"value\":{{\"stringValue\":\"GET\"}}}},\
         {{\"key\":\"http.response.status_code\",\"value\":{{\"intValue\":\"200\"}}}},\
         {{\"key\":\"net.peer.name\",\"value\":{{\"stringValue\":\"10.0.3.17\"}}}}],\
         \"events\":[],\"status\":{{\"code\":1}}{links}}}",
        start + 5_000_000
    )
}

fn resource_json(service: &str, spans: &[String], pretty: bool) -> String {
    let sep = if pretty { ",\n" } else { "," };
    let nl = if pretty { "\n" } else { "" };
    format!(
        "{{\"resource\":{{\"attributes\":[{{\"key\":\"service.name\",\"value\":{{\"stringValue\":\"{service}\"}}}},\
         {{\"key\":\"service.version\",\"value\":{{\"stringValue\":\"2.14.0\"}}}},\
         {{\"key\":\"k8s.pod.name\",\"value\":{{\"stringValue\":\"{service}-7d9f8b6c5-x2kqp\"}}}}]}},\
         \"scopeSpans\":[{{\"scope\":{{\"name\":\"opentelemetry-otlp\",\"version\":\"0.27.0\"}},\"spans\":[{nl}{}{nl}]}}]}}",
        spans.join(sep)
    )
}
