//! Benchmark: `archfit::check` against the floor every implementation pays,
//! loading the workspace (`cargo metadata`) and reading and parsing every
//! `.rs` file once, in parallel on every core.
//!
//! ```text
//! cargo run --release --example bench -- [--sizes 50,200,1000] [--modules 20] [--seed 42] [--runs 3] [--keep DIR]
//!     [--workspace PATH [--config FILE]]...
//! ```
//!
//! For each size the workspace comes from `examples/generate.rs`; each
//! `--workspace` (a workspace's `Cargo.toml` or its folder, checked with the
//! `--config` that follows it, else its own `archfit.toml`) is measured the
//! same way. With `--workspace` and no `--sizes`, only those are measured.
//! Each measurement runs in a fresh child process (this binary again, with
//! the hidden `--measure KIND MANIFEST`), so each peak memory figure
//! (`VmHWM`) belongs to one measurement; warm runs keep their fact cache in
//! a temporary target directory, never in the workspace. The medians go to
//! stdout as Markdown; progress and the individual runs go to stderr.
//! Results are in docs/benchmark.md.
#![allow(clippy::disallowed_methods)] // reads the measured workspaces for the floor

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
                     [--sizes 50,200,1000] [--modules 20] [--seed 42] [--runs 3] [--keep DIR] \
                     [--workspace PATH [--config FILE]]...";

struct Args {
    sizes: Vec<usize>,
    modules: usize,
    seed: u64,
    runs: usize,
    keep: Option<PathBuf>,
    workspaces: Vec<Given>,
}

/// A workspace named on the command line.
struct Given {
    /// Its `Cargo.toml`.
    manifest: PathBuf,
    /// `--config` after its `--workspace`; else its own `archfit.toml`.
    config: Option<PathBuf>,
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().map(String::as_str) == Some("--measure") {
        return match Child::parse(&argv[1..]) {
            Ok(child) => match child.measure() {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("measure {}: {error}", child.kind);
                    ExitCode::FAILURE
                }
            },
            Err(error) => usage_error(&error),
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
        workspaces: Vec::new(),
    };
    let mut sizes_given = false;
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
                sizes_given = true;
                args.sizes = value
                    .split(',')
                    .map(|s| number(s.trim()))
                    .collect::<Result<_, _>>()?
            }
            "--modules" => args.modules = number(value)?,
            "--seed" => args.seed = number(value)? as u64,
            "--runs" => args.runs = number(value)?.max(1),
            "--keep" => args.keep = Some(PathBuf::from(value)),
            "--workspace" => {
                let path = PathBuf::from(value);
                let manifest = if path.is_dir() {
                    path.join("Cargo.toml")
                } else {
                    path
                };
                if !manifest.is_file() {
                    return Err(format!("--workspace: no {}", manifest.display()));
                }
                args.workspaces.push(Given {
                    manifest,
                    config: None,
                });
            }
            "--config" => {
                let given = args
                    .workspaces
                    .last_mut()
                    .ok_or("--config must follow the --workspace it is for")?;
                if given.config.is_some() {
                    return Err("--config given twice for one --workspace".into());
                }
                given.config = Some(value.into());
            }
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    if !args.workspaces.is_empty() && !sizes_given {
        args.sizes.clear();
    }
    if args.sizes.contains(&0) || args.modules == 0 {
        return Err("sizes and --modules must be at least 1".into());
    }
    Ok(args)
}

// ---------------------------------------------------------------------------
// Parent: generate, spawn measurements, print the tables.

/// The median of each figure a measurement printed (`wall_ms`, `peak_kib`…).
type Medians = BTreeMap<String, f64>;

/// What one child process measures.
#[derive(Clone)]
enum Kind {
    /// `cargo metadata`, then every `.rs` file read and parsed.
    Floor,
    /// `check` with this configuration (`None`: the workspace's own), no
    /// fact cache.
    Cold(Option<PathBuf>),
    /// The same with the fact cache filled by an unmeasured run first.
    Warm(Option<PathBuf>),
}

/// Medians per measurement label; `None` where the measurement failed (a
/// configuration this build of archfit rejects, say), printed `n/a`.
type Measured = BTreeMap<&'static str, Option<Medians>>;

/// Medians of one generated workspace size.
struct Row {
    services: usize,
    measured: Measured,
}

/// Medians of one `--workspace`.
struct WorkspaceRow {
    name: String,
    /// Which reader loads it: `manifests`, or `cargo metadata` as the fallback.
    loader: String,
    measured: Measured,
}

fn run(args: &Args) -> Result<(), String> {
    let load_before = load_average();
    let base = match &args.keep {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("archfit-bench-{}", std::process::id())),
    };
    // Fact caches of warm runs: outside every measured workspace, removed
    // at the end even with --keep.
    let scratch = std::env::temp_dir().join(format!("archfit-bench-cache-{}", std::process::id()));
    let result = run_in(args, &base, &scratch);
    if args.keep.is_none() {
        let _ = fs::remove_dir_all(&base);
    }
    let _ = fs::remove_dir_all(&scratch);
    let (rows, workspace_rows) = result?;
    println!("{}", machine(&load_before));
    if !rows.is_empty() {
        println!();
        println!("{}", table(&rows));
    }
    if !workspace_rows.is_empty() {
        println!();
        println!("{}", workspace_table(&workspace_rows));
    }
    Ok(())
}

fn run_in(
    args: &Args,
    base: &Path,
    scratch: &Path,
) -> Result<(Vec<Row>, Vec<WorkspaceRow>), String> {
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
        let all = dir.join(generate::ALL_RULES_FILE);
        let jobs = [
            ("floor", Kind::Floor),
            ("check", Kind::Cold(None)),
            ("check-all", Kind::Cold(Some(all.clone()))),
            ("warm-all", Kind::Warm(Some(all))),
        ];
        let name = format!("{services} services");
        let measured = measure_workspace(
            &exe,
            &dir.join("Cargo.toml"),
            &name,
            &jobs,
            args.runs,
            scratch,
        )?;
        if floor_of(&measured)
            .get("parse_errors")
            .copied()
            .unwrap_or(0.0)
            > 0.0
        {
            eprintln!("warning: some generated files did not parse; see parse_errors");
        }
        rows.push(Row { services, measured });
    }
    let mut workspace_rows = Vec::new();
    for given in &args.workspaces {
        let name = workspace_name(&given.manifest);
        let loader = loader_of(&given.manifest, &name);
        let jobs = [
            ("floor", Kind::Floor),
            ("check", Kind::Cold(given.config.clone())),
            ("warm", Kind::Warm(given.config.clone())),
        ];
        let measured = measure_workspace(&exe, &given.manifest, &name, &jobs, args.runs, scratch)?;
        workspace_rows.push(WorkspaceRow {
            name,
            loader,
            measured,
        });
    }
    Ok((rows, workspace_rows))
}

/// Which reader `check` loads the workspace with: the manifests, or
/// `cargo metadata` when they hold something the reader does not take (or
/// `ARCHFIT_WORKSPACE_LOADER=cargo`, which the children inherit, says so).
fn loader_of(manifest: &Path, name: &str) -> String {
    use archfit::workspace::{load_with, Loader};
    if Loader::from_env() == Loader::Cargo {
        return "cargo metadata (forced)".into();
    }
    match load_with(Some(manifest), Loader::Manifests) {
        Ok(_) => "manifests".into(),
        Err(why) => {
            eprintln!(
                "{name}: the manifests alone do not load it, so check falls back to `cargo metadata`: {}",
                archfit::text::neutralise(&why.to_string())
            );
            "cargo metadata".into()
        }
    }
}

/// The name a `--workspace` goes by in the table: its folder's.
fn workspace_name(manifest: &Path) -> String {
    let dir = std::path::absolute(manifest)
        .ok()
        .and_then(|path| path.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    dir.file_name().map_or_else(
        || dir.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Runs every job `runs` times, alternating them within each round so drift
/// (other load, page cache) hits all alike, and returns their medians. A
/// warm job's fact cache is filled once first, unmeasured, in a target
/// directory of its own under `scratch`. Only a failing floor is an error.
fn measure_workspace(
    exe: &Path,
    manifest: &Path,
    name: &str,
    jobs: &[(&'static str, Kind)],
    runs: usize,
    scratch: &Path,
) -> Result<Measured, String> {
    let mut results: BTreeMap<&'static str, Option<Vec<Medians>>> = BTreeMap::new();
    let mut targets = BTreeMap::new();
    for (label, kind) in jobs {
        let mut ok = Some(Vec::new());
        if let Kind::Warm(config) = kind {
            let target = scratch.join(format!("{}-{label}", targets.len()));
            let _ = fs::remove_dir_all(&target);
            if let Err(error) = spawn_measure(
                exe,
                "fill-cache",
                manifest,
                config.as_deref(),
                Some(&target),
            ) {
                eprintln!("warning: {name}: skipping {label}: {error}");
                ok = None;
            }
            targets.insert(*label, target);
        }
        results.insert(label, ok);
    }
    for run in 1..=runs {
        for (label, kind) in jobs {
            let Some(Some(into)) = results.get_mut(label) else {
                continue;
            };
            let target = targets.get(label).map(PathBuf::as_path);
            let outcome = match kind {
                Kind::Floor => spawn_measure(exe, "floor", manifest, None, None),
                Kind::Cold(config) => {
                    spawn_measure(exe, "check", manifest, config.as_deref(), None)
                }
                Kind::Warm(config) => {
                    spawn_measure(exe, "warm", manifest, config.as_deref(), target)
                }
            };
            match outcome {
                Ok(values) => {
                    eprintln!("  {name}, {label} run {run}: {}", show(&values));
                    into.push(values);
                }
                Err(error) if matches!(kind, Kind::Floor) => return Err(error),
                Err(error) => {
                    eprintln!("warning: {name}: skipping {label}: {error}");
                    results.insert(label, None);
                }
            }
        }
    }
    Ok(results
        .into_iter()
        .map(|(label, runs)| (label, runs.as_deref().map(medians)))
        .collect())
}

/// The floor's medians (a floor that failed ended the run).
fn floor_of(measured: &Measured) -> &Medians {
    static EMPTY: Medians = BTreeMap::new();
    measured
        .get("floor")
        .and_then(Option::as_ref)
        .unwrap_or(&EMPTY)
}

fn spawn_measure(
    exe: &Path,
    kind: &str,
    manifest: &Path,
    config: Option<&Path>,
    target_dir: Option<&Path>,
) -> Result<Medians, String> {
    let mut command = Command::new(exe);
    command.arg("--measure").arg(kind).arg(manifest);
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    if let Some(dir) = target_dir {
        command.arg("--target-dir").arg(dir);
    }
    let output = command
        .output()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    if !output.status.success() {
        return Err(format!(
            "measuring {kind} on {} failed ({}):\n{}",
            manifest.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let values: Medians = stdout
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

fn show(values: &Medians) -> String {
    values
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn medians(runs: &[Medians]) -> Medians {
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

/// A figure of one measurement; NaN (printed `NaN`) when it is missing.
fn get(measured: &Measured, label: &str, key: &str) -> f64 {
    measured
        .get(label)
        .and_then(Option::as_ref)
        .and_then(|m| m.get(key).copied())
        .unwrap_or(f64::NAN)
}

/// Wall time in ms and its ratio to the floor's, or `n/a` twice.
fn against_floor(measured: &Measured, label: &str) -> (String, String) {
    let wall = get(measured, label, "wall_ms");
    if wall.is_nan() {
        return ("n/a".into(), "n/a".into());
    }
    let floor = get(measured, "floor", "wall_ms");
    (format!("{wall:.0}"), format!("{:.2}", wall / floor))
}

fn peak(measured: &Measured, label: &str) -> String {
    let kib = get(measured, label, "peak_kib");
    if kib.is_nan() {
        "n/a".into()
    } else {
        format!("{:.1}", kib / 1024.0)
    }
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "Rules of `archfit.toml` (service-dependency, shared-coupling: manifests only):\n\n\
         | services | files | source MiB | floor ms | check ms | check/floor | check peak MiB | floor peak MiB |\n\
         | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for row in rows {
        let m = &row.measured;
        let (check, ratio) = against_floor(m, "check");
        out.push_str(&format!(
            "| {} | {} | {:.1} | {:.0} | {check} | {ratio} | {} | {} |\n",
            row.services,
            get(m, "floor", "files"),
            mib(get(m, "floor", "bytes")),
            get(m, "floor", "wall_ms"),
            peak(m, "check"),
            peak(m, "floor"),
        ));
    }
    out.push_str(
        "\nRules of `archfit-all.toml` (the same plus every rule of `SOURCE_RULES` in \
         examples/generate.rs: sources are read and parsed; warm: the fact cache filled by an \
         earlier run):\n\n\
         | services | floor ms | check ms | check/floor | warm ms | warm/floor | CPU check/floor, warm/floor | check peak MiB | warm peak MiB | floor peak MiB |\n\
         | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for row in rows {
        let m = &row.measured;
        let (check, check_ratio) = against_floor(m, "check-all");
        let (warm, warm_ratio) = against_floor(m, "warm-all");
        out.push_str(&format!(
            "| {} | {:.0} | {check} | {check_ratio} | {warm} | {warm_ratio} | {}, {} | {} | {} | {} |\n",
            row.services,
            get(m, "floor", "wall_ms"),
            cpu_ratio(m, "check-all"),
            cpu_ratio(m, "warm-all"),
            peak(m, "check-all"),
            peak(m, "warm-all"),
            peak(m, "floor"),
        ));
    }
    out.push_str(
        "\nFloor breakdown:\n\n\
         | services | members | cargo metadata ms | read + parse ms | parse errors |\n\
         | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for row in rows {
        out.push_str(&floor_breakdown(&row.services.to_string(), &row.measured));
    }
    out
}

fn floor_breakdown(name: &str, m: &Measured) -> String {
    format!(
        "| {name} | {} | {:.0} | {:.0} | {} |\n",
        get(m, "floor", "members"),
        get(m, "floor", "metadata_ms"),
        get(m, "floor", "parse_ms"),
        get(m, "floor", "parse_errors"),
    )
}

/// CPU time against the floor's; `n/a` when either is missing or the floor
/// took less than the 10 ms `/proc` counts in.
fn cpu_ratio(measured: &Measured, label: &str) -> String {
    let (cpu, floor) = (
        get(measured, label, "cpu_ms"),
        get(measured, "floor", "cpu_ms"),
    );
    if cpu.is_nan() || floor.is_nan() || floor <= 0.0 {
        return "n/a".into();
    }
    format!("{:.2}", cpu / floor)
}

fn workspace_table(rows: &[WorkspaceRow]) -> String {
    let mut out = String::from(
        "Workspaces (`--workspace`, each with its configuration; check: no fact cache; warm: \
         the cache filled by an earlier run; files: `.rs` files under the root, which the floor \
         reads, and those `check` parsed):\n\n\
         | workspace | loader | members | files (floor / check) | source MiB | floor ms | check ms | check/floor | warm ms | warm/floor | CPU check/floor, warm/floor | files parsed warm | peak MiB floor / check / warm |\n\
         | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for row in rows {
        let m = &row.measured;
        let (check, check_ratio) = against_floor(m, "check");
        let (warm, warm_ratio) = against_floor(m, "warm");
        out.push_str(&format!(
            "| {} | {} | {} | {} / {} | {:.1} | {:.0} | {check} | {check_ratio} | {warm} | {warm_ratio} | {}, {} | {} | {} / {} / {} |\n",
            row.name,
            row.loader,
            get(m, "floor", "members"),
            get(m, "floor", "files"),
            get(m, "check", "files_parsed"),
            mib(get(m, "floor", "bytes")),
            get(m, "floor", "wall_ms"),
            cpu_ratio(m, "check"),
            cpu_ratio(m, "warm"),
            get(m, "warm", "files_parsed"),
            peak(m, "floor"),
            peak(m, "check"),
            peak(m, "warm"),
        ));
    }
    out.push_str(
        "\nFloor breakdown:\n\n\
         | workspace | members | cargo metadata ms | read + parse ms | parse errors |\n\
         | --- | ---: | ---: | ---: | ---: |\n",
    );
    for row in rows {
        out.push_str(&floor_breakdown(&row.name, &row.measured));
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

/// `--measure KIND MANIFEST [--config FILE] [--target-dir DIR]`.
struct Child {
    kind: String,
    manifest: PathBuf,
    config: Option<PathBuf>,
    target_dir: Option<PathBuf>,
}

impl Child {
    fn parse(argv: &[String]) -> Result<Child, String> {
        let [kind, manifest, rest @ ..] = argv else {
            return Err("--measure needs floor|check|fill-cache|warm and a Cargo.toml".into());
        };
        let mut child = Child {
            kind: kind.clone(),
            manifest: PathBuf::from(manifest),
            config: None,
            target_dir: None,
        };
        for pair in rest.chunks(2) {
            match pair {
                [flag, value] if flag == "--config" => child.config = Some(value.into()),
                [flag, value] if flag == "--target-dir" => child.target_dir = Some(value.into()),
                _ => return Err(format!("--measure: unexpected {}", pair.join(" "))),
            }
        }
        Ok(child)
    }

    fn measure(&self) -> Result<(), String> {
        let started = Instant::now();
        let mut values: Vec<(&str, String)> = match self.kind.as_str() {
            "floor" => {
                let root = self.manifest.parent().unwrap_or(Path::new("."));
                let mut values = floor(&self.manifest, root)?;
                values.push(("wall_ms", ms(started.elapsed())));
                values
            }
            "check" | "fill-cache" | "warm" => {
                if self.kind != "check" {
                    let dir = self
                        .target_dir
                        .clone()
                        .ok_or("a warm run needs --target-dir")?;
                    archfit::facts::cache::enable(
                        archfit::facts::cache::Setting::TargetDir(dir),
                        false,
                    );
                }
                let options = archfit::Options {
                    manifest_path: Some(self.manifest.clone()),
                    config: self.config.clone(),
                    ..Default::default()
                };
                let outcome =
                    archfit::check(&options).map_err(|e| format!("archfit::check: {e}"))?;
                let wall = started.elapsed();
                let values = vec![
                    ("wall_ms", ms(wall)),
                    ("findings", outcome.findings.len().to_string()),
                    ("files_parsed", outcome.stats.files_parsed.to_string()),
                    ("files_cached", outcome.stats.files_cached.to_string()),
                ];
                drop(outcome);
                values
            }
            other => {
                return Err(format!(
                    "unknown measurement `{other}`; use floor, check, fill-cache or warm"
                ))
            }
        };
        values.push(("peak_kib", peak_kib()?.to_string()));
        values.push(("cpu_ms", cpu_ms()?.to_string()));
        let line: Vec<String> = values.iter().map(|(k, v)| format!("{k}={v}")).collect();
        println!("{}", line.join(" "));
        Ok(())
    }
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

/// CPU time (user + system) of this process and the children it waited
/// for (`cargo metadata`), in ms: under load from elsewhere it is steadier
/// than wall time. `/proc` counts in USER_HZ, 100 per second on Linux.
fn cpu_ms() -> Result<u64, String> {
    let stat = fs::read_to_string("/proc/self/stat")
        .map_err(|e| format!("cannot read /proc/self/stat: {e}"))?;
    // The command name (field 2) may hold spaces; fields 14-17 (utime,
    // stime, cutime, cstime) follow its closing parenthesis as 12-15.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: Vec<u64> = after_name
        .split_whitespace()
        .skip(11)
        .take(4)
        .filter_map(|field| field.parse().ok())
        .collect();
    if ticks.len() != 4 {
        return Err("unexpected /proc/self/stat".into());
    }
    Ok(ticks.iter().sum::<u64>() * 10)
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

// `cargo test --release --example bench` (examples' tests are not part of
// the plain `cargo test`).
#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    /// A scratch folder removed when dropped.
    struct Scratch(PathBuf);

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// Two workspaces, named as a folder and as a manifest.
    fn two_workspaces(test: &str) -> (Scratch, String, String) {
        let dir = std::env::temp_dir().join(format!("bench-test-{}-{test}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        for name in ["orders", "billing"] {
            fs::create_dir_all(dir.join(name)).unwrap();
            fs::write(dir.join(name).join("Cargo.toml"), "[workspace]\n").unwrap();
        }
        let orders = dir.join("orders").display().to_string();
        let billing = dir.join("billing/Cargo.toml").display().to_string();
        (Scratch(dir), orders, billing)
    }

    #[test]
    fn a_config_belongs_to_the_workspace_before_it_and_workspaces_alone_skip_the_sizes() {
        let (_dir, orders, billing) = two_workspaces("config");
        let args = parse_args(&argv(&[
            "--workspace",
            &orders,
            "--config",
            "orders.toml",
            "--workspace",
            &billing,
        ]))
        .unwrap();
        assert!(args.sizes.is_empty());
        let given: Vec<_> = args
            .workspaces
            .iter()
            .map(|w| (w.manifest.clone(), w.config.clone()))
            .collect();
        assert_eq!(
            given,
            [
                (
                    PathBuf::from(&orders).join("Cargo.toml"),
                    Some(PathBuf::from("orders.toml"))
                ),
                (PathBuf::from(&billing), None),
            ]
        );

        let args = parse_args(&argv(&["--sizes", "50", "--workspace", &orders])).unwrap();
        assert_eq!(args.sizes, [50]);
        assert_eq!(parse_args(&[]).unwrap().sizes, [50, 200, 1000]);
    }

    #[test]
    fn a_config_without_its_workspace_or_a_missing_manifest_is_refused() {
        let (dir, orders, _) = two_workspaces("refused");
        assert!(parse_args(&argv(&["--config", "a.toml", "--workspace", &orders])).is_err());
        assert!(parse_args(&argv(&[
            "--workspace",
            &orders,
            "--config",
            "a.toml",
            "--config",
            "b.toml"
        ]))
        .is_err());
        let empty = dir.0.join("empty");
        fs::create_dir(&empty).unwrap();
        assert!(parse_args(&argv(&["--workspace", &empty.display().to_string()])).is_err());
    }

    #[test]
    fn the_child_reads_its_config_and_target_dir() {
        let child = Child::parse(&argv(&[
            "warm",
            "/ws/Cargo.toml",
            "--target-dir",
            "/tmp/t",
            "--config",
            "/ws/a.toml",
        ]))
        .unwrap();
        assert_eq!(child.kind, "warm");
        assert_eq!(child.manifest, PathBuf::from("/ws/Cargo.toml"));
        assert_eq!(child.config, Some(PathBuf::from("/ws/a.toml")));
        assert_eq!(child.target_dir, Some(PathBuf::from("/tmp/t")));
        assert!(Child::parse(&argv(&["check", "/ws/Cargo.toml", "--config"])).is_err());
        assert!(Child::parse(&argv(&["check"])).is_err());
    }

    #[test]
    fn a_failed_measurement_and_a_floor_below_the_clock_print_na() {
        let medians = |pairs: [(&str, f64); 3]| -> Medians {
            pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
        };
        let floor = medians([("wall_ms", 1000.0), ("cpu_ms", 0.0), ("peak_kib", 2048.0)]);
        let check = medians([("wall_ms", 2500.0), ("cpu_ms", 40.0), ("peak_kib", 4096.0)]);
        let measured: Measured = [
            ("floor", Some(floor)),
            ("check", Some(check)),
            ("warm", None),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            against_floor(&measured, "check"),
            ("2500".into(), "2.50".into())
        );
        assert_eq!(
            against_floor(&measured, "warm"),
            ("n/a".into(), "n/a".into())
        );
        assert_eq!(cpu_ratio(&measured, "check"), "n/a");
        assert_eq!(peak(&measured, "check"), "4.0");
        assert_eq!(peak(&measured, "warm"), "n/a");
    }

    #[test]
    fn cpu_time_grows_while_this_process_computes() {
        let before = cpu_ms().unwrap();
        let started = Instant::now();
        let mut x = 0u64;
        while cpu_ms().unwrap() < before + 50 && started.elapsed().as_secs() < 20 {
            for i in 0..100_000u64 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
            }
        }
        assert!(cpu_ms().unwrap() >= before + 50, "{x}");
    }
}
