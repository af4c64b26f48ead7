//! Benchmark: `archfit::check` against the floor every implementation pays,
//! loading the workspace (`cargo metadata`) and reading and parsing every
//! `.rs` file once, in parallel on every core.
//!
//! ```text
//! cargo run --release --example bench -- [--sizes 50,200,1000] [--modules 20] [--seed 42] [--runs 3] [--keep DIR]
//! ```
//!
//! For each size the workspace comes from `examples/generate.rs`. Each
//! measurement runs in a fresh child process (this binary again, with the
//! hidden `--measure floor|check DIR`), so each peak memory figure (`VmHWM`)
//! belongs to one measurement. The medians go to stdout as Markdown; progress
//! and the individual runs go to stderr. Results are in docs/benchmark.md.
#![allow(clippy::disallowed_methods)] // reads the generated workspace for the floor

#[path = "generate.rs"]
#[allow(dead_code)] // its `main` and command line are not used here
mod generate;

/// The allocator the binary uses (src/main.rs), so the library is measured
/// as it runs there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use rayon::prelude::*;

const USAGE: &str = "usage: cargo run --release --example bench -- \
                     [--sizes 50,200,1000] [--modules 20] [--seed 42] [--runs 3] [--keep DIR]";

struct Args {
    sizes: Vec<usize>,
    modules: usize,
    seed: u64,
    runs: usize,
    keep: Option<PathBuf>,
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().map(String::as_str) == Some("--measure") {
        return match (argv.get(1), argv.get(2)) {
            (Some(kind), Some(dir)) => match measure(kind, Path::new(dir)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("measure {kind}: {error}");
                    ExitCode::FAILURE
                }
            },
            _ => usage_error("--measure needs floor|check|check-all and a directory"),
        };
    }
    let args = match parse_args(&argv) {
        Ok(args) => args,
        Err(error) => return usage_error(&error),
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}\n{USAGE}");
    ExitCode::from(2)
}

fn parse_args(argv: &[String]) -> Result<Args, String> {
    let mut args = Args {
        sizes: vec![50, 200, 1000],
        modules: 20,
        seed: 42,
        runs: 3,
        keep: None,
    };
    let mut it = argv.iter();
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))?
            .as_str();
        let number = |v: &str| {
            v.parse::<usize>()
                .map_err(|_| format!("{flag}: `{v}` is not a number"))
        };
        match flag.as_str() {
            "--sizes" => {
                args.sizes = value
                    .split(',')
                    .map(|s| number(s.trim()))
                    .collect::<Result<_, _>>()?
            }
            "--modules" => args.modules = number(value)?,
            "--seed" => args.seed = number(value)? as u64,
            "--runs" => args.runs = number(value)?.max(1),
            "--keep" => args.keep = Some(PathBuf::from(value)),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    if args.sizes.contains(&0) || args.modules == 0 {
        return Err("sizes and --modules must be at least 1".into());
    }
    Ok(args)
}

// ---------------------------------------------------------------------------
// Parent: generate, spawn measurements, print the table.

/// Medians of one workspace size.
struct Row {
    services: usize,
    floor: BTreeMap<String, f64>,
    check: BTreeMap<String, f64>,
    /// `None` when this build of archfit rejects `archfit-all.toml` (a check
    /// it names is not implemented yet).
    check_all: Option<BTreeMap<String, f64>>,
    /// `check-all` again with the fact cache filled by an earlier run on
    /// the unchanged workspace.
    warm_all: Option<BTreeMap<String, f64>>,
}

fn run(args: &Args) -> Result<(), String> {
    let load_before = load_average();
    let base = match &args.keep {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("archfit-bench-{}", std::process::id())),
    };
    let result = run_in(args, &base);
    if args.keep.is_none() {
        let _ = fs::remove_dir_all(&base);
    }
    let rows = result?;
    println!("{}", machine(&load_before));
    println!();
    println!("{}", table(&rows));
    Ok(())
}

fn run_in(args: &Args, base: &Path) -> Result<Vec<Row>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    let mut rows = Vec::new();
    for &services in &args.sizes {
        let spec = generate::Spec {
            services,
            modules: args.modules,
            seed: args.seed,
        };
        let dir = base.join(format!("ws-{services}x{}-seed{}", args.modules, args.seed));
        if generate::is_current(&spec, &dir) {
            eprintln!("reusing {}", dir.display());
        } else {
            let started = Instant::now();
            let summary = generate::generate(&spec, &dir)
                .map_err(|e| format!("generating {}: {e}", dir.display()))?;
            eprintln!(
                "generated {} ({} files, {:.1} MiB) in {:.1?}",
                dir.display(),
                summary.files,
                mib(summary.bytes as f64),
                started.elapsed()
            );
        }
        // Alternate the kinds so drift (other load, page cache) hits all alike.
        let mut floor = Vec::new();
        let mut check = Vec::new();
        let mut check_all = Some(Vec::new());
        // The fact cache (under the workspace's target/) is filled once,
        // unmeasured; warm runs then find every file in it.
        let mut warm_all = match spawn_measure(&exe, "fill-cache", &dir) {
            Ok(_) => Some(Vec::new()),
            Err(error) => {
                eprintln!("warning: skipping warm runs: {error}");
                None
            }
        };
        for run in 1..=args.runs {
            for (kind, into) in [("floor", &mut floor), ("check", &mut check)] {
                let values = spawn_measure(&exe, kind, &dir)?;
                eprintln!("  {services} services, {kind} run {run}: {}", show(&values));
                into.push(values);
            }
            if let Some(runs) = &mut check_all {
                match spawn_measure(&exe, "check-all", &dir) {
                    Ok(values) => {
                        eprintln!(
                            "  {services} services, check-all run {run}: {}",
                            show(&values)
                        );
                        runs.push(values);
                    }
                    Err(error) => {
                        eprintln!("warning: skipping check-all: {error}");
                        check_all = None;
                    }
                }
            }
            if let Some(runs) = &mut warm_all {
                let values = spawn_measure(&exe, "warm-all", &dir)?;
                eprintln!(
                    "  {services} services, warm-all run {run}: {}",
                    show(&values)
                );
                runs.push(values);
            }
        }
        let row = Row {
            services,
            floor: medians(&floor),
            check: medians(&check),
            check_all: check_all.as_deref().map(medians),
            warm_all: warm_all.as_deref().map(medians),
        };
        if row.floor.get("parse_errors").copied().unwrap_or(0.0) > 0.0 {
            eprintln!("warning: some generated files did not parse; see parse_errors");
        }
        rows.push(row);
    }
    Ok(rows)
}

fn spawn_measure(exe: &Path, kind: &str, dir: &Path) -> Result<BTreeMap<String, f64>, String> {
    let output = Command::new(exe)
        .arg("--measure")
        .arg(kind)
        .arg(dir)
        .output()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    if !output.status.success() {
        return Err(format!(
            "measuring {kind} on {} failed ({}):\n{}",
            dir.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let values: BTreeMap<String, f64> = stdout
        .split_whitespace()
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            Some((key.to_string(), value.parse().ok()?))
        })
        .collect();
    if !values.contains_key("wall_ms") || !values.contains_key("peak_kib") {
        return Err(format!("unexpected output of --measure {kind}: {stdout}"));
    }
    Ok(values)
}

fn show(values: &BTreeMap<String, f64>) -> String {
    values
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn medians(runs: &[BTreeMap<String, f64>]) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for key in runs[0].keys() {
        let mut values: Vec<f64> = runs.iter().filter_map(|r| r.get(key).copied()).collect();
        values.sort_by(f64::total_cmp);
        let mid = values.len() / 2;
        let median = if values.len() % 2 == 1 {
            values[mid]
        } else {
            (values[mid - 1] + values[mid]) / 2.0
        };
        out.insert(key.clone(), median);
    }
    out
}

fn mib(bytes: f64) -> f64 {
    bytes / (1024.0 * 1024.0)
}

fn table(rows: &[Row]) -> String {
    let get = |map: &BTreeMap<String, f64>, key: &str| map.get(key).copied().unwrap_or(f64::NAN);
    let mut out = String::from(
        "Rules of `archfit.toml` (service-dependency, shared-coupling: manifests only):\n\n\
         | services | files | source MiB | floor ms | check ms | check/floor | check peak MiB | floor peak MiB |\n\
         | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for row in rows {
        let (floor, check) = (get(&row.floor, "wall_ms"), get(&row.check, "wall_ms"));
        out.push_str(&format!(
            "| {} | {} | {:.1} | {:.0} | {:.0} | {:.2} | {:.1} | {:.1} |\n",
            row.services,
            get(&row.floor, "files"),
            mib(get(&row.floor, "bytes")),
            floor,
            check,
            check / floor,
            get(&row.check, "peak_kib") / 1024.0,
            get(&row.floor, "peak_kib") / 1024.0,
        ));
    }
    out.push_str(
        "\nRules of `archfit-all.toml` (the same plus cycles at module, crate and service level, and layers: \
         sources are read and parsed):\n\n\
         | services | floor ms | check ms | check/floor | warm ms | warm/floor | check peak MiB | floor peak MiB |\n\
         | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for row in rows {
        let floor = get(&row.floor, "wall_ms");
        let floor_peak = get(&row.floor, "peak_kib") / 1024.0;
        let warm = row
            .warm_all
            .as_ref()
            .map_or(f64::NAN, |warm| get(warm, "wall_ms"));
        match &row.check_all {
            Some(all) => out.push_str(&format!(
                "| {} | {:.0} | {:.0} | {:.2} | {:.0} | {:.2} | {:.1} | {:.1} |\n",
                row.services,
                floor,
                get(all, "wall_ms"),
                get(all, "wall_ms") / floor,
                warm,
                warm / floor,
                get(all, "peak_kib") / 1024.0,
                floor_peak,
            )),
            None => out.push_str(&format!(
                "| {} | {floor:.0} | n/a | n/a | n/a | n/a | n/a | {floor_peak:.1} |\n",
                row.services
            )),
        }
    }
    out.push_str(
        "\nFloor breakdown:\n\n\
         | services | members | cargo metadata ms | read + parse ms | parse errors |\n\
         | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for row in rows {
        out.push_str(&format!(
            "| {} | {} | {:.0} | {:.0} | {} |\n",
            row.services,
            get(&row.floor, "members"),
            get(&row.floor, "metadata_ms"),
            get(&row.floor, "parse_ms"),
            get(&row.floor, "parse_errors"),
        ));
    }
    out
}

/// The 1-minute load average: other work on the machine skews wall times.
fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn machine(load_before: &str) -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == "model name").then(|| value.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let memory = fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.0} GiB RAM", kib / (1024.0 * 1024.0)))
        })
        .unwrap_or_else(|| "unknown RAM".into());
    let rustc = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .arg("-V")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!("Machine: {model}, nproc = {cores}, {memory}, {rustc}; load average before the run: {load_before}")
}

// ---------------------------------------------------------------------------
// Child: one measurement, printed as `key=value` pairs on one line.

fn measure(kind: &str, dir: &Path) -> Result<(), String> {
    let manifest = dir.join("Cargo.toml");
    let started = Instant::now();
    let mut values: Vec<(&str, String)> = match kind {
        "floor" => floor(&manifest, dir)?,
        "check" | "check-all" | "fill-cache" | "warm-all" => {
            if matches!(kind, "fill-cache" | "warm-all") {
                archfit::facts::cache::enable(
                    archfit::facts::cache::Setting::WorkspaceTarget,
                    false,
                );
            }
            let options = archfit::Options {
                manifest_path: Some(manifest),
                config: (kind != "check").then(|| dir.join(generate::ALL_RULES_FILE)),
                ..Default::default()
            };
            let outcome = archfit::check(&options).map_err(|e| format!("archfit::check: {e}"))?;
            let wall = started.elapsed();
            drop(outcome);
            vec![("wall_ms", ms(wall))]
        }
        _ => {
            return Err(format!(
                "unknown measurement `{kind}`; use floor, check, check-all, fill-cache or warm-all"
            ))
        }
    };
    if kind == "floor" {
        values.push(("wall_ms", ms(started.elapsed())));
    }
    values.push(("peak_kib", peak_kib()?.to_string()));
    let line: Vec<String> = values.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("{}", line.join(" "));
    Ok(())
}

fn ms(duration: std::time::Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1000.0)
}

/// `cargo metadata` as archfit runs it, then every `.rs` file read once and
/// parsed once on all cores, each syntax tree dropped right away.
fn floor(manifest: &Path, dir: &Path) -> Result<Vec<(&'static str, String)>, String> {
    let started = Instant::now();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--offline",
            "--format-version",
            "1",
        ])
        .arg("--manifest-path")
        .arg(manifest)
        .env("RUSTUP_AUTO_INSTALL", "0")
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cargo metadata printed invalid JSON: {e}"))?;
    let members = metadata["workspace_members"].as_array().map_or(0, Vec::len);
    let metadata_ms = ms(started.elapsed());

    let started = Instant::now();
    let mut files = Vec::new();
    rust_files(dir, &mut files);
    let (bytes, errors) = files
        .par_iter()
        .map(|path| {
            let parsed = match fs::read_to_string(path) {
                Ok(text) => (
                    text.len() as u64,
                    u64::from(syn::parse_file(&text).is_err()),
                ),
                Err(_) => (0, 1),
            };
            // With `span-locations`, proc-macro2 keeps each parsed text in a
            // per-thread source map; nothing refers to those spans any more.
            proc_macro2::extra::invalidate_current_thread_spans();
            parsed
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    Ok(vec![
        ("members", members.to_string()),
        ("files", files.len().to_string()),
        ("bytes", bytes.to_string()),
        ("parse_errors", errors.to_string()),
        ("metadata_ms", metadata_ms),
        ("parse_ms", ms(started.elapsed())),
    ])
}

/// Every `.rs` file below `dir`, skipping `target/` and hidden directories;
/// symbolic links are not followed.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if kind.is_dir() {
            if name != "target" && !name.starts_with('.') {
                rust_files(&entry.path(), out);
            }
        } else if kind.is_file() && name.ends_with(".rs") {
            out.push(entry.path());
        }
    }
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
