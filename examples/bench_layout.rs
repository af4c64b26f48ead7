//! Benchmark of the layered layout (`graph::layout`) and of the whole
//! architecture report on a generated workspace (`examples/generate.rs`).
//!
//! ```text
//! cargo run --release --example bench_layout -- [--services 200] [--modules 5] [--runs 5] [--out DIR]
//! ```
//!
//! Prints, as Markdown, the median time of: the layout alone (service graph
//! and crate graph), the SVG of the service graph (layout included), the
//! whole site rendered from a finished run, and the run itself
//! (`archfit::architecture_report`: load, parse, rules, graph). Results
//! are in docs/benchmark.md.
#![allow(clippy::disallowed_methods)] // the generator writes its workspace

#[path = "generate.rs"]
#[allow(dead_code)] // its `main` and command line are not used here
mod generate;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use archfit::graph::layout::{self, Size};
use archfit::graph::view::{self, GraphView, Level};

const USAGE: &str = "usage: cargo run --release --example bench_layout -- \
                     [--services 200] [--modules 5] [--runs 5] [--out DIR]";

fn main() -> ExitCode {
    let mut services = 200;
    let mut modules = 5;
    let mut runs = 5;
    let mut out: Option<PathBuf> = None;
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut args = argv.iter();
    while let Some(flag) = args.next() {
        let value = args.next();
        let number = || value.and_then(|v| v.parse::<usize>().ok());
        match (flag.as_str(), value) {
            ("--services", Some(_)) if number().is_some() => services = number().unwrap_or(200),
            ("--modules", Some(_)) if number().is_some() => modules = number().unwrap_or(5),
            ("--runs", Some(_)) if number().is_some_and(|n| n > 0) => runs = number().unwrap_or(5),
            ("--out", Some(dir)) => out = Some(PathBuf::from(dir)),
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    match run(services, modules, runs, out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The median of `runs` timings of `work`.
fn median(runs: usize, mut work: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            work();
            started.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// The layout input of a view, with node sizes as `report::svg` sizes them.
fn layout_input(view: &GraphView) -> layout::Graph {
    let index = |id: &str| view.nodes.iter().position(|n| n.id == id);
    let mut groups: Vec<&str> = view
        .nodes
        .iter()
        .filter_map(|n| n.group.as_deref())
        .collect();
    groups.sort_unstable();
    groups.dedup();
    layout::Graph {
        sizes: view
            .nodes
            .iter()
            .map(|n| Size {
                width: (n.label.chars().count().min(36) as f64 * 7.3 + 24.0).round(),
                height: 30.0,
            })
            .collect(),
        edges: view
            .edges
            .iter()
            .filter_map(|e| Some((index(&e.from)?, index(&e.to)?)))
            .collect(),
        clusters: view
            .nodes
            .iter()
            .map(|n| {
                n.group
                    .as_deref()
                    .and_then(|g| groups.binary_search(&g).ok())
            })
            .collect(),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn run(services: usize, modules: usize, runs: usize, out: Option<PathBuf>) -> Result<(), String> {
    let dir = out.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("archfit-bench-layout-{services}x{modules}"))
    });
    let spec = generate::Spec {
        services,
        modules,
        seed: 42,
    };
    if !generate::is_current(&spec, &dir) {
        eprintln!("generating {services} services into {}", dir.display());
        generate::generate(&spec, &dir).map_err(|e| format!("generate: {e}"))?;
    }
    let options = archfit::Options {
        manifest_path: Some(dir.join("Cargo.toml")),
        ..Default::default()
    };
    let mut built = None;
    let run_time = median(runs, || {
        built = archfit::architecture_report(&options).ok();
    });
    let report = built.ok_or("archfit::architecture_report failed")?;
    let loaded = archfit::load_unconfigured(&options).map_err(|e| e.to_string())?;
    let crates = view::build(&loaded.view_subject(), Level::Crate, None, None, None)
        .map_err(|e| e.to_string())?;
    println!(
        "Generated workspace: {services} services, {modules} modules each, seed 42; median of {runs} runs.\n"
    );
    println!("| graph | nodes | edges | crossings before → after | layout (ms) |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (name, view) in [("service", &report.graph), ("crate", &crates)] {
        let input = layout_input(view);
        let mut placed = None;
        let took = median(runs, || placed = Some(layout::layout(&input)));
        let placed = placed.ok_or("no layout")?;
        println!(
            "| {name} | {} | {} | {} → {} | {} |",
            view.nodes.len(),
            input.edges.len(),
            placed.crossings_before,
            placed.crossings,
            ms(took)
        );
    }
    let svg = median(runs, || {
        let _ = archfit::report::svg::render(&report.graph, &Default::default());
    });
    let mut pages = 0;
    let site = median(runs, || {
        pages = archfit::report::html::render(&report).files.len()
    });
    println!();
    println!("| step | ms |");
    println!("| --- | ---: |");
    println!("| service graph SVG (layout included) | {} |", ms(svg));
    println!(
        "| whole site, {pages} pages (from a finished run) | {} |",
        ms(site)
    );
    println!(
        "| the run (`architecture_report`: load, parse, rules, graph) | {} |",
        ms(run_time)
    );
    Ok(())
}
