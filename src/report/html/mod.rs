//! The architecture report (`report --html <dir>`): a static site that
//! opens from disk with no network — the CSS is inline in every page, there
//! is no script, and every link between pages names a file of the site.
//!
//! - `index.html`: totals per severity, the trend against the baseline, the
//!   service graph (inline SVG, `report::svg`), services, quanta, and the
//!   findings counted per decision (ADR) and per check;
//! - `findings.html`: every finding, grouped by decision;
//! - `service-<name>.html`: a service's crates, tables, topics, hosts,
//!   Ca/Ce/I, its neighbours in the graph and its findings;
//! - `adr-<name>.html`: a decision, the rules enforcing it, their findings.
//!
//! Each finding shows its snippet and location, linked to the repository
//! when its web address is known (`report/repository.rs`). Workspace text
//! goes through the outcome's neutralising (`report::neutral`) and then
//! [`escape`] — no other way into a page. Pages are byte-identical for the
//! same run: no time, no absolute path, every list sorted.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::neutral::Neutral;
use super::repository::{rebase, Links};
use super::svg::{self, escape, markup};
use super::{count, rule_rows, sorted_diagnostics, sorted_findings, web_url};
use crate::commands::report::{quantum_name, Report, ServiceInfo};
use crate::text::neutralise;
use crate::{AdrRef, Finding, Location, Severity};

const STYLE: &str = include_str!("style.css");

/// The site: file names (flat, in the folder the user names) and contents.
#[derive(Debug, Clone)]
pub struct Site {
    pub files: Vec<(String, String)>,
}

/// A decision as the site lists it: the ADR, the rules enforcing it, the
/// findings about it.
struct Decision<'a> {
    adr: Option<&'a AdrRef>,
    file: String,
    rules: Vec<&'a crate::RuleSummary>,
    findings: Vec<&'a Finding>,
}

/// Renders the site of `report`.
pub fn render(report: &Report) -> Site {
    let outcome = Neutral::new(&rebase(&report.outcome));
    let links = Links::of(&outcome);
    let findings = sorted_findings(&outcome);
    let mut names = Names::default();
    // Keyed by the neutralised name, which the outcome's findings carry.
    let service_files: BTreeMap<String, String> = report
        .services
        .iter()
        .map(|s| {
            (
                neutralise(&s.name).into_owned(),
                names.file("service", &s.name),
            )
        })
        .collect();
    let decisions = decisions(&outcome, &findings, &mut names);
    let context = Context {
        links,
        services: &service_files,
        decisions: &decisions,
        sources: &outcome.sources,
    };
    let mut files = vec![
        (
            "index.html".to_string(),
            overview(report, &outcome, &context),
        ),
        (
            "findings.html".to_string(),
            all_findings(report, &findings, &context),
        ),
    ];
    for service in &report.services {
        let page = service_page(report, service, &findings, &context);
        if let Some(file) = service_files.get(&*neutralise(&service.name)) {
            files.push((file.clone(), page));
        }
    }
    for decision in &decisions {
        if decision.adr.is_some() {
            files.push((
                decision.file.clone(),
                decision_page(report, decision, &context),
            ));
        }
    }
    files.sort();
    Site { files }
}

/// What every page needs to link to the others.
struct Context<'a> {
    links: Links<'a>,
    services: &'a BTreeMap<String, String>,
    decisions: &'a [Decision<'a>],
    /// Texts of the files findings point into, neutralised.
    sources: &'a crate::Sources,
}

impl Context<'_> {
    fn service_link(&self, name: &str) -> String {
        match self.services.get(&*neutralise(name)) {
            Some(file) => format!("<a href=\"{}\">{}</a>", escape(file), escape(name)),
            None => escape(name),
        }
    }

    fn decision_link(&self, adr: Option<&AdrRef>) -> String {
        match adr {
            Some(adr) => match self.decisions.iter().find(|d| d.adr == Some(adr)) {
                Some(d) => format!(
                    "<a href=\"{}\">{}</a>",
                    escape(&d.file),
                    escape(&adr.display())
                ),
                None => escape(&adr.display()),
            },
            None => "<a href=\"findings.html#no-decision\">no decision recorded</a>".into(),
        }
    }
}

/// File names of the site, from workspace names: ASCII letters, digits and
/// `-` only, made unique in the order they are asked for.
#[derive(Default)]
struct Names {
    taken: BTreeSet<String>,
}

impl Names {
    fn file(&mut self, kind: &str, name: &str) -> String {
        let mut slug = String::new();
        for c in name.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.ends_with('-') && !slug.is_empty() {
                slug.push('-');
            }
            if slug.len() >= 48 {
                break;
            }
        }
        let slug = slug.trim_end_matches('-');
        let slug = if slug.is_empty() { "x" } else { slug };
        let mut file = format!("{kind}-{slug}.html");
        let mut n = 2;
        while self.taken.contains(&file) {
            file = format!("{kind}-{slug}-{n}.html");
            n += 1;
        }
        self.taken.insert(file.clone());
        file
    }
}

/// The decisions of the run's rules and findings: ADRs by number, title and
/// link (as `markdown` orders them); last, the findings of no decision.
fn decisions<'a>(
    outcome: &'a Neutral,
    findings: &[&'a Finding],
    names: &mut Names,
) -> Vec<Decision<'a>> {
    type Key<'k> = (bool, Option<&'k str>, &'k str, &'k str);
    let key = |adr: Option<&'a AdrRef>| -> Key<'a> {
        match adr {
            Some(adr) => (false, adr.id.as_deref(), &adr.title, &adr.link),
            None => (true, None, "", ""),
        }
    };
    let mut by: BTreeMap<Key<'a>, Decision<'a>> = BTreeMap::new();
    let entry = |by: &mut BTreeMap<Key<'a>, Decision<'a>>, adr: Option<&'a AdrRef>| {
        by.entry(key(adr)).or_insert_with(|| Decision {
            adr,
            file: String::new(),
            rules: Vec::new(),
            findings: Vec::new(),
        });
    };
    for rule in &outcome.rules {
        if let Some(adr) = &rule.adr {
            entry(&mut by, Some(adr));
            if let Some(d) = by.get_mut(&key(Some(adr))) {
                d.rules.push(rule);
            }
        }
    }
    for &finding in findings {
        entry(&mut by, finding.adr.as_ref());
        if let Some(d) = by.get_mut(&key(finding.adr.as_ref())) {
            d.findings.push(finding);
        }
    }
    let mut list: Vec<Decision<'a>> = by.into_values().collect();
    for decision in &mut list {
        decision.file = match decision.adr {
            Some(adr) => {
                let name = match &adr.id {
                    Some(id) => format!("{id} {}", adr.title),
                    None => adr.title.clone(),
                };
                names.file("adr", &name)
            }
            None => "findings.html#no-decision".into(),
        };
        decision.rules.sort_by(|a, b| a.id.cmp(&b.id));
    }
    list
}

/// A whole page around `body`.
fn page(report: &Report, title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"cargo-archfit {version}\">\n\
         <title>{title} — {name}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <header class=\"top\"><span class=\"brand\">{name} · architecture report</span>\
         <a href=\"index.html\">Overview</a><a href=\"findings.html\">Findings ({findings})</a></header>\n\
         <main>\n{body}</main>\n</body>\n</html>\n",
        version = crate::VERSION,
        title = escape(title),
        name = escape(&report.name),
        findings = report.outcome.findings.len(),
    )
}

fn severity_badge(severity: Option<Severity>) -> String {
    let word = severity.map_or("off", Severity::as_str);
    format!("<span class=\"sev {word}\">{word}</span>")
}

fn overview(report: &Report, outcome: &Neutral, context: &Context<'_>) -> String {
    let mut body = format!("<h1>{}</h1>\n", escape(&report.name));
    let _ = writeln!(
        body,
        "<p class=\"sub\">{} · {} · {}, checked by cargo-archfit {}</p>",
        count(report.services.len(), "service", "services"),
        count(
            report.quanta.iter().filter(|q| q.size > 1).count(),
            "quantum of several services",
            "quanta of several services"
        ),
        count(outcome.rules.len(), "rule", "rules"),
        crate::VERSION
    );
    body.push_str("<div class=\"cards\">");
    for (class, label, n) in [
        ("error", "errors", outcome.count(Severity::Error)),
        ("warn", "warnings", outcome.count(Severity::Warn)),
        ("info", "infos", outcome.count(Severity::Info)),
        ("", "baselined", outcome.baselined),
        ("", "suppressed", outcome.suppressed),
    ] {
        let _ = write!(body, "<div class=\"card {class}\"><b>{n}</b>{label}</div>");
    }
    body.push_str("</div>\n");
    body.push_str("<h2 id=\"trend\">Against the baseline</h2>\n");
    match (&report.trend, &outcome.baseline) {
        (Some(trend), crate::BaselineUse::File(file)) => {
            let _ = writeln!(
                body,
                "<table class=\"trend\"><tr><th>baseline</th><th class=\"n\">new</th>\
                 <th class=\"n\">remaining</th><th class=\"n\">fixed</th></tr>\
                 <tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td></tr></table>",
                escape(file),
                trend.new,
                trend.remaining,
                trend.fixed
            );
        }
        _ => body.push_str(
            "<p class=\"muted\">No baseline was read, so every finding counts as new. \
             <code>cargo archfit baseline</code> records today's findings; the next report \
             shows what was fixed since and what is new.</p>\n",
        ),
    }

    body.push_str("<h2 id=\"graph\">Service graph</h2>\n");
    if report.graph.nodes.is_empty() {
        body.push_str("<p class=\"muted\">No service is configured.</p>\n");
    } else {
        body.push_str(
            "<p class=\"muted\">Click a service to open its page; hover for its crates.</p>\n",
        );
        let _ = writeln!(
            body,
            "<figure class=\"graph\">{}</figure>",
            service_graph(report, context)
        );
    }

    body.push_str("<h2 id=\"services\">Services</h2>\n");
    if !report.services.is_empty() {
        body.push_str(
            "<table><tr><th>service</th><th class=\"n\">crates</th><th class=\"n\">Ca</th>\
             <th class=\"n\">Ce</th><th class=\"n\">I</th><th class=\"n\">findings</th>\
             <th>quantum</th></tr>\n",
        );
        for service in &report.services {
            let (ca, ce, i) = coupling(service);
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{ca}</td>\
                 <td class=\"n\">{ce}</td><td class=\"n\">{i}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                context.service_link(&service.name),
                service.crates.len(),
                service_findings(report, &service.name),
                escape(&quantum_name(&report.quanta, &service.name).unwrap_or_default()),
            );
        }
        body.push_str("</table>\n");
    }
    let joined: Vec<_> = report.quanta.iter().filter(|q| q.size > 1).collect();
    body.push_str("<h2 id=\"quanta\">Quanta</h2>\n");
    if joined.is_empty() {
        body.push_str(
            "<p class=\"muted\">Every service deploys on its own: no synchronous call or \
             shared data binds two of them.</p>\n",
        );
    } else {
        body.push_str(
            "<p class=\"muted\">Services bound by synchronous calls or shared data: each \
             quantum is deployed, scaled and failed together.</p>\n<ul>\n",
        );
        for (i, quantum) in report.quanta.iter().enumerate() {
            if quantum.size < 2 {
                continue;
            }
            let members: Vec<String> = quantum
                .services
                .iter()
                .map(|s| context.service_link(s))
                .collect();
            let _ = writeln!(
                body,
                "<li>quantum {} ({} services): {}</li>",
                i + 1,
                quantum.size,
                members.join(", ")
            );
        }
        body.push_str("</ul>\n");
    }

    body.push_str("<h2 id=\"decisions\">Findings per decision</h2>\n");
    body.push_str(
        "<table class=\"decisions\"><tr><th>decision</th><th>status</th>\
         <th class=\"n\">rules</th><th class=\"n\">findings</th></tr>\n",
    );
    for decision in context.decisions {
        let status = decision
            .adr
            .and_then(|a| a.status.as_ref())
            .map(|s| escape(s.as_str()))
            .unwrap_or_default();
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{status}</td><td class=\"n\">{}</td>\
             <td class=\"n\" data-findings=\"{}\">{}</td></tr>",
            context.decision_link(decision.adr),
            decision.rules.len(),
            decision.findings.len(),
            decision.findings.len()
        );
    }
    body.push_str("</table>\n");

    body.push_str("<h2 id=\"checks\">Findings per check</h2>\n");
    let mut checks: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    for row in rule_rows(outcome) {
        let counts = checks.entry(row.check).or_default();
        counts[0] += 1;
        counts[1] += row.errors;
        counts[2] += row.warnings;
        counts[3] += row.infos;
    }
    body.push_str(
        "<table><tr><th>check</th><th class=\"n\">rules</th><th class=\"n\">errors</th>\
         <th class=\"n\">warnings</th><th class=\"n\">infos</th></tr>\n",
    );
    for (check, [rules, errors, warnings, infos]) in &checks {
        let _ = writeln!(
            body,
            "<tr><td><code>{}</code></td><td class=\"n\">{rules}</td><td class=\"n\">{errors}</td>\
             <td class=\"n\">{warnings}</td><td class=\"n\">{infos}</td></tr>",
            escape(check)
        );
    }
    body.push_str("</table>\n");

    let diagnostics = sorted_diagnostics(outcome);
    if !diagnostics.is_empty() {
        body.push_str("<h2 id=\"diagnostics\">What the tool could not examine</h2>\n<ul>\n");
        for d in diagnostics {
            let file = d
                .location
                .as_ref()
                .map(|l| l.file.as_str())
                .or(d.file.as_deref());
            let _ = write!(
                body,
                "<li>{} {}",
                severity_badge(Some(d.severity)),
                escape(&d.message)
            );
            if let Some(file) = file {
                let _ = write!(body, " — <code>{}</code>", escape(file));
            }
            body.push_str("</li>\n");
        }
        body.push_str("</ul>\n");
    }
    page(report, "Overview", &body)
}

/// Ca, Ce and I of a service as table cells.
fn coupling(service: &ServiceInfo) -> (String, String, String) {
    match &service.coupling {
        Some(row) => (
            row.ca.to_string(),
            row.ce.to_string(),
            row.instability
                .map_or_else(|| "–".to_string(), |i| format!("{i:.2}")),
        ),
        None => ("–".into(), "–".into(), "–".into()),
    }
}

fn service_findings(report: &Report, name: &str) -> usize {
    report
        .outcome
        .findings
        .iter()
        .filter(|f| f.service.as_deref() == Some(name))
        .count()
}

/// The service graph with links to the service pages, crates on hover and
/// findings in red.
fn service_graph(report: &Report, context: &Context<'_>) -> String {
    let by_name: BTreeMap<&str, &ServiceInfo> = report
        .services
        .iter()
        .map(|s| (s.name.as_str(), s))
        .collect();
    let decor = svg::Decor {
        links: report
            .graph
            .nodes
            .iter()
            .map(|n| context.services.get(&*neutralise(&n.id)).cloned())
            .collect(),
        notes: report
            .graph
            .nodes
            .iter()
            .map(|n| match by_name.get(n.id.as_str()) {
                Some(s) if !s.crates.is_empty() => {
                    let crates: Vec<&str> = s.crates.iter().map(|c| c.0.as_str()).collect();
                    format!("crates: {}", crates.join(", "))
                }
                _ => String::new(),
            })
            .collect(),
        findings: report
            .graph
            .nodes
            .iter()
            .map(|n| service_findings(report, &n.id))
            .collect(),
        cluster_legend: Some("quantum: services bound by synchronous calls or shared data".into()),
        // A handful of services would look lost at their natural size.
        scale: if report.graph.nodes.len() <= 12 {
            1.4
        } else {
            1.0
        },
    };
    svg::render(&report.graph, &decor)
}

fn all_findings(report: &Report, findings: &[&Finding], context: &Context<'_>) -> String {
    let mut body = String::from("<h1>Findings</h1>\n");
    if findings.is_empty() {
        body.push_str("<p>No findings.</p>\n");
    }
    for decision in context.decisions {
        if decision.findings.is_empty() {
            continue;
        }
        match decision.adr {
            Some(adr) => {
                let _ = writeln!(
                    body,
                    "<h2>{} <span class=\"muted\">· {}</span></h2>",
                    context.decision_link(Some(adr)),
                    count(decision.findings.len(), "finding", "findings")
                );
            }
            None => {
                let _ = writeln!(
                    body,
                    "<h2 id=\"no-decision\">No decision recorded <span class=\"muted\">· {}</span></h2>",
                    count(decision.findings.len(), "finding", "findings")
                );
            }
        }
        for finding in &decision.findings {
            write_finding(&mut body, finding, context);
        }
    }
    // The anchor other pages link to exists even when nothing is there.
    if !context
        .decisions
        .iter()
        .any(|d| d.adr.is_none() && !d.findings.is_empty())
    {
        body.push_str("<h2 id=\"no-decision\">No decision recorded</h2>\n<p class=\"muted\">Every finding belongs to a decision.</p>\n");
    }
    page(report, "Findings", &body)
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        return "<span class=\"muted\">none</span>".into();
    }
    let items: Vec<String> = items
        .iter()
        .map(|i| format!("<code>{}</code>", escape(i)))
        .collect();
    items.join(", ")
}

fn service_page(
    report: &Report,
    service: &ServiceInfo,
    findings: &[&Finding],
    context: &Context<'_>,
) -> String {
    let mut body = format!(
        "<p class=\"muted\"><a href=\"index.html#services\">Services</a></p>\n<h1>{}</h1>\n",
        escape(&service.name)
    );
    let (ca, ce, i) = coupling(service);
    let quantum = quantum_name(&report.quanta, &service.name)
        .map_or_else(|| "deploys on its own".to_string(), |q| escape(&q));
    let _ = writeln!(
        body,
        "<dl class=\"facts\"><dt>Ca (crates outside that depend on it)</dt><dd>{ca}</dd>\
         <dt>Ce (crates outside it depends on)</dt><dd>{ce}</dd>\
         <dt>I = Ce / (Ca + Ce)</dt><dd>{i}</dd><dt>quantum</dt><dd>{quantum}</dd>\
         <dt>tables</dt><dd>{}</dd><dt>migrations</dt><dd>{}</dd><dt>database</dt><dd><code>{}</code></dd>\
         <dt>topics</dt><dd>{}</dd><dt>hosts</dt><dd>{}</dd><dt>gRPC</dt><dd>{}</dd></dl>",
        list(&service.tables),
        list(&service.migrations),
        escape(&service.database),
        list(&service.topics),
        list(&service.hosts),
        list(&service.grpc),
    );
    body.push_str("<h2>Crates</h2>\n<table><tr><th>crate</th><th>folder</th></tr>\n");
    for (name, dir) in &service.crates {
        let _ = writeln!(
            body,
            "<tr><td><code>{}</code></td><td><code>{}</code></td></tr>",
            escape(name),
            escape(dir)
        );
    }
    body.push_str("</table>\n");
    body.push_str("<h2>Neighbours</h2>\n");
    let edges: Vec<_> = report
        .graph
        .edges
        .iter()
        .filter(|e| e.from == service.name || e.to == service.name)
        .collect();
    if edges.is_empty() {
        body.push_str("<p class=\"muted\">No edge to or from another service.</p>\n");
    } else {
        body.push_str("<table><tr><th>from</th><th>to</th><th>kind</th><th>through</th></tr>\n");
        for edge in edges {
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                context.service_link(&edge.from),
                context.service_link(&edge.to),
                escape(&edge.kind),
                escape(&edge.label)
            );
        }
        body.push_str("</table>\n");
    }
    let mine: Vec<&&Finding> = findings
        .iter()
        .filter(|f| f.service.as_deref() == Some(&*neutralise(&service.name)))
        .collect();
    let _ = writeln!(
        body,
        "<h2>Findings <span class=\"muted\">· {}</span></h2>",
        count(mine.len(), "finding", "findings")
    );
    for finding in mine {
        write_finding(&mut body, finding, context);
    }
    page(report, &service.name, &body)
}

fn decision_page(report: &Report, decision: &Decision<'_>, context: &Context<'_>) -> String {
    let Some(adr) = decision.adr else {
        return String::new();
    };
    let mut body = format!(
        "<p class=\"muted\"><a href=\"index.html#decisions\">Decisions</a></p>\n<h1>{}</h1>\n",
        escape(&adr.display())
    );
    let status = adr
        .status
        .as_ref()
        .map_or_else(|| "not stated".to_string(), |s| escape(s.as_str()));
    let record = match adr_destination(context.links, &adr.link) {
        Some(url) => format!("<a href=\"{}\">{}</a>", escape(&url), escape(&adr.link)),
        None => format!("<code>{}</code>", escape(&adr.link)),
    };
    let _ = writeln!(
        body,
        "<dl class=\"facts\"><dt>status</dt><dd>{status}</dd><dt>record</dt><dd>{record}</dd>\
         <dt>findings</dt><dd data-findings=\"{n}\">{n}</dd></dl>",
        n = decision.findings.len()
    );
    body.push_str("<h2>Rules enforcing it</h2>\n");
    if decision.rules.is_empty() {
        body.push_str("<p class=\"muted\">No rule of this run names it.</p>\n");
    } else {
        body.push_str(
            "<table><tr><th>rule</th><th>check</th><th>severity</th><th class=\"n\">findings</th></tr>\n",
        );
        for rule in &decision.rules {
            let found = decision
                .findings
                .iter()
                .filter(|f| f.rule == rule.id)
                .count();
            let _ = writeln!(
                body,
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td class=\"n\">{found}</td></tr>",
                escape(&rule.id),
                escape(&rule.check),
                severity_badge(rule.severity)
            );
        }
        body.push_str("</table>\n");
    }
    let _ = writeln!(
        body,
        "<h2>Findings <span class=\"muted\">· {}</span></h2>",
        count(decision.findings.len(), "finding", "findings")
    );
    for finding in &decision.findings {
        write_finding(&mut body, finding, context);
    }
    page(report, &adr.display(), &body)
}

/// Where the decision record is on the web: its own `http(s)` URL, or its
/// file in the repository when the repository's address is known. A
/// relative path would not resolve from the report's folder.
fn adr_destination(links: Links<'_>, link: &str) -> Option<String> {
    if super::is_url(link) {
        web_url(link).map(str::to_owned)
    } else {
        links.absolute(link)
    }
}

/// `file:line:col`, linked at its line when the repository is known.
fn location_html(links: Links<'_>, location: &Location) -> String {
    let text = escape(&format!(
        "{}:{}:{}",
        location.file, location.line, location.column
    ));
    match links.absolute(&location.file) {
        Some(url) => format!(
            "<a href=\"{}#L{}\"><code>{text}</code></a>",
            escape(&url),
            location.line
        ),
        None => format!("<code>{text}</code>"),
    }
}

/// A message: escaped, with its `code spans` as code.
fn message_html(text: &str) -> String {
    let escaped = escape(text);
    let mut out = String::with_capacity(escaped.len());
    let mut parts = escaped.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    let rest: Vec<&str> = parts.collect();
    // An odd backtick out stays a backtick.
    let pairs = rest.len() / 2 * 2;
    for (i, part) in rest.iter().enumerate() {
        if i < pairs {
            if i % 2 == 0 {
                let _ = write!(out, "<code>{part}</code>");
            } else {
                out.push_str(part);
            }
        } else {
            out.push('`');
            out.push_str(part);
        }
    }
    out
}

fn write_finding(out: &mut String, finding: &Finding, context: &Context<'_>) {
    let severity = finding.severity.as_str();
    let _ = write!(
        out,
        "<article class=\"finding {severity}\"><div>{} <code>{}</code> {}</div>\n<p class=\"where\">",
        severity_badge(Some(finding.severity)),
        escape(&finding.rule),
        message_html(&finding.message)
    );
    let mut facts = Vec::new();
    if let Some(location) = &finding.location {
        facts.push(location_html(context.links, location));
    }
    if let Some(service) = &finding.service {
        facts.push(format!("service {}", context.service_link(service)));
    }
    facts.push(format!(
        "decision: {}",
        context.decision_link(finding.adr.as_ref())
    ));
    out.push_str(&facts.join(" · "));
    out.push_str("</p>\n");
    if let Some(snippet) = finding
        .location
        .as_ref()
        .and_then(|l| snippet(context.sources, l))
    {
        out.push_str(&snippet);
    }
    if let Some(help) = &finding.help {
        let _ = writeln!(out, "<p class=\"help\">{}</p>", message_lines(help));
    }
    if !finding.related.is_empty() {
        out.push_str("<ul class=\"plain\">");
        for related in &finding.related {
            let _ = write!(
                out,
                "<li>{} {}</li>",
                location_html(context.links, &related.location),
                message_html(&related.label)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</article>\n");
}

/// A text with meant line breaks, each line escaped.
fn message_lines(text: &str) -> String {
    text.lines()
        .map(message_html)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The lines around a location, its own lines marked: two before, two
/// after, at most twelve.
fn snippet(sources: &crate::Sources, location: &Location) -> Option<String> {
    let text = sources.get(&location.file)?;
    let lines: Vec<&str> = text.lines().collect();
    if location.line == 0 || location.line > lines.len() {
        return None;
    }
    let first = location.line.saturating_sub(2).max(1);
    let end = location.end_line.max(location.line);
    let last = (end + 2).min(lines.len()).min(first + 11);
    let mut out = String::from("<pre class=\"snippet\">");
    for number in first..=last {
        let class = if (location.line..=end).contains(&number) {
            " class=\"hit\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<span{class}><i>{number}</i>{}</span>",
            markup(lines[number - 1])
        );
    }
    out.push_str("</pre>\n");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::report::Trend;
    use crate::graph::view::{Edge, GraphView, Node};
    use crate::report::fixture;

    const SCRIPT: &str = "<script>alert(1)</script>";
    const ATTRIBUTE: &str = "\"><img src=x onerror=alert(1)>";

    /// A report whose every workspace text is an attack on the page.
    fn hostile() -> Report {
        let mut outcome = fixture::outcome();
        let service = format!("{SCRIPT}\u{1b}[2J");
        for finding in &mut outcome.findings {
            finding.service = Some(service.clone());
            finding.message = format!("{ATTRIBUTE} `{SCRIPT}` \r\n::error::x");
            if let Some(adr) = &mut finding.adr {
                adr.title = ATTRIBUTE.into();
                adr.link = "javascript://alert(1)".into();
            }
        }
        for text in outcome.sources.values_mut() {
            *text = format!("{SCRIPT}\n{}", text.replace("orders", ATTRIBUTE)).into();
        }
        let node = |id: &str| Node {
            id: id.into(),
            label: id.into(),
            group: Some(format!("quantum {SCRIPT}")),
        };
        Report {
            name: format!("{SCRIPT}\u{202e}"),
            outcome,
            graph: GraphView {
                level: "service",
                nodes: vec![node(&service), node(ATTRIBUTE)],
                edges: vec![Edge {
                    from: service.clone(),
                    to: ATTRIBUTE.into(),
                    kind: SCRIPT.into(),
                    label: SCRIPT.into(),
                    location: None,
                    highlighted: true,
                }],
            },
            services: [service.as_str(), ATTRIBUTE]
                .iter()
                .map(|name| ServiceInfo {
                    name: (*name).into(),
                    crates: vec![(SCRIPT.into(), ATTRIBUTE.into())],
                    tables: vec![SCRIPT.into()],
                    migrations: vec![ATTRIBUTE.into()],
                    database: SCRIPT.into(),
                    topics: vec![ATTRIBUTE.into()],
                    hosts: vec![SCRIPT.into()],
                    grpc: vec![ATTRIBUTE.into()],
                    coupling: None,
                })
                .collect(),
            quanta: Vec::new(),
            trend: Some(Trend {
                new: 1,
                remaining: 2,
                fixed: 3,
            }),
        }
    }

    #[test]
    fn hostile_workspace_text_never_becomes_markup() {
        let site = render(&hostile());
        assert!(site.files.len() >= 4, "{:?}", site.files);
        for (name, page) in &site.files {
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'),
                "{name}"
            );
            assert!(!page.contains("<script"), "{name}: {page}");
            assert!(!page.contains("<img"), "{name}: {page}");
            assert!(!page.contains("href=\"javascript"), "{name}: {page}");
            assert!(
                !page.chars().any(|c| c != '\n' && crate::text::is_hazard(c)),
                "{name}"
            );
            assert!(page.contains("&lt;script&gt;"), "{name}");
        }
        // A message's code span is code, its content still escaped.
        let findings = &site
            .files
            .iter()
            .find(|f| f.0 == "findings.html")
            .unwrap()
            .1;
        assert!(
            findings.contains("<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>"),
            "{findings}"
        );
    }

    #[test]
    fn the_site_is_deterministic_and_its_file_names_unique() {
        let report = hostile();
        let a = render(&report);
        let b = render(&report);
        assert_eq!(a.files, b.files);
        let mut names: Vec<&str> = a.files.iter().map(|f| f.0.as_str()).collect();
        names.dedup();
        assert_eq!(names.len(), a.files.len());
        assert!(
            names.contains(&"service-script-alert-1-script-2j.html"),
            "{names:?}"
        );
    }

    #[test]
    fn names_become_safe_unique_file_names() {
        let mut names = Names::default();
        assert_eq!(
            names.file("service", "Orders API"),
            "service-orders-api.html"
        );
        assert_eq!(
            names.file("service", "orders/api"),
            "service-orders-api-2.html"
        );
        assert_eq!(names.file("service", "../../etc"), "service-etc.html");
        assert_eq!(names.file("service", "日本"), "service-x.html");
        assert_eq!(names.file("adr", "日本"), "adr-x.html");
    }
}
