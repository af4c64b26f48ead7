//! `cargo-archfit`: parse arguments → `archfit` library → render → exit code.

/// Facts are millions of small allocations; see Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::IsTerminal as _;
use std::io::Write;
use std::process::ExitCode;

use archfit::cli::{
    AdrArgs, BaselineArgs, CheckArgs, Cli, Command, CompletionsArgs, ExplainArgs, GlobalArgs,
    GraphArgs, InitArgs, ManArgs, MetricsArgs, ReportArgs, SchemaArgs, TextFormat,
};
use archfit::fs::{self, WritePolicy};
use archfit::graph;
use archfit::report::explain::ExplainFormat;
use archfit::report::{self, RenderOptions};
use archfit::{Error, Options, Severity};

fn main() -> ExitCode {
    let invocation = Cli::from_env();
    let global = &invocation.global;
    archfit::facts::cache::enable(
        match (global.no_cache, &global.target_dir) {
            (true, _) => archfit::facts::cache::Setting::Off,
            (false, Some(dir)) => archfit::facts::cache::Setting::TargetDir(dir.clone()),
            (false, None) => archfit::facts::cache::Setting::WorkspaceTarget,
        },
        global.verbose && !global.quiet,
    );
    let color = global.color.paints(&std::io::stdout());
    match run(global, &invocation.command, color) {
        Ok(code) => code,
        Err(error) => {
            write_failure_report(global, &invocation.command, &error);
            let stderr_color = global.color.paints(&std::io::stderr());
            eprint!("{}", report::render_error(&error, stderr_color));
            ExitCode::from(2)
        }
    }
}

/// The library's options from the global ones and the rules a command
/// selects; `check` adds its baseline and `--allow-incomplete`.
fn options(global: &GlobalArgs, rules: &[String]) -> Options {
    Options {
        manifest_path: global.manifest_path.clone(),
        config: global.config.clone(),
        rules: rules.to_vec(),
        baseline: None,
        allow_incomplete: false,
        new_since: None,
        traces: Vec::new(),
        without_snippets: false,
    }
}

fn run(global: &GlobalArgs, command: &Command, color: bool) -> Result<ExitCode, Error> {
    let workspace_guess = workspace_guess(global.manifest_path.as_deref());
    match command {
        Command::Graph(GraphArgs {
            level,
            krate,
            format,
            output,
            rules,
            traces,
        }) => {
            let options = Options {
                traces: traces.clone(),
                ..options(global, rules)
            };
            let level = *level;
            if !traces.is_empty() && matches!(level, graph::Level::Crate | graph::Level::Module) {
                return Err(Error::Usage(
                    "--traces adds calls between services: use it with --level service or quantum"
                        .into(),
                ));
            }
            // Crates and modules need no configuration; services do.
            let mut loaded = match level {
                graph::Level::Crate | graph::Level::Module => archfit::load_unconfigured(&options)?,
                graph::Level::Service | graph::Level::Quantum => archfit::load(&options)?,
            };
            let mut rules = options.rules.clone();
            if level == graph::Level::Quantum {
                // The quanta come from a quanta rule's run.
                let id = archfit::quanta_rule(&mut loaded);
                if !rules.is_empty() && !rules.contains(&id) {
                    rules.push(id);
                }
            }
            // One parse of the sources serves the rules and the drawing.
            let with_sources = level != graph::Level::Crate;
            let (outcome, facts) = archfit::run_keeping_facts(&loaded, &rules, with_sources)?;
            let view = graph::view::build(
                &loaded.view_subject(),
                level,
                krate.as_deref(),
                Some(&outcome),
                facts.as_ref(),
            )?;
            let format = *format;
            emit(
                &workspace_guess,
                output.as_deref(),
                &report::graph::render(&view, format),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(args) => write_report(global, args),
        Command::Baseline(BaselineArgs { output, rules }) => {
            write_baseline(global, rules, output.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain(ExplainArgs {
            target,
            format,
            output,
        }) => {
            let options = options(global, &[]);
            let markdown = archfit::explain::explain(&options, target)?;
            // The Markdown source where it is read as such (a pipe, a
            // file); plain text where a person reads it.
            let as_text = match format {
                Some(format) => *format == ExplainFormat::Text,
                None => output.is_none() && std::io::stdout().is_terminal(),
            };
            let text = if as_text {
                report::explain::render_text(&markdown)
            } else {
                markdown
            };
            emit(
                &workspace_guess,
                output.as_deref(),
                &archfit::text::plain_output(&text),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Init(InitArgs { force, baseline }) => {
            if global.config.is_some() {
                return Err(Error::Usage(
                    "init writes archfit.toml at the workspace root; --config does not apply"
                        .into(),
                ));
            }
            let workspace = archfit::workspace::load(global.manifest_path.as_deref())?;
            let plan = archfit::init::plan(&workspace)?;
            let written = archfit::init::write(&workspace.root, &plan, *force)?;
            if !global.quiet {
                for file in &plan.files {
                    let note = if written.contains(&file.path) {
                        "wrote"
                    } else {
                        "kept existing"
                    };
                    eprintln!("archfit: {note} {}", archfit::text::neutralise(&file.path));
                }
            }
            // Day one green: today's findings recorded the way `baseline`
            // records them, so the gate stops only new ones.
            if *baseline {
                write_baseline(global, &[], None)?;
            }
            if !global.quiet {
                eprintln!("archfit: review archfit.toml and the ADRs in docs/adr/, then run `cargo archfit`");
                if !*baseline {
                    eprintln!("archfit: to accept today's findings and fail only on new ones, run `cargo archfit baseline`");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Adr(AdrArgs { format, output }) => {
            let matrix = archfit::explain::adr_matrix(&options(global, &[]))?;
            let text = match format {
                TextFormat::Json => {
                    archfit::text::json_output(&archfit::report::adr::render_matrix_json(&matrix))
                }
                TextFormat::Human => {
                    archfit::text::plain_output(&archfit::report::adr::render_matrix(&matrix))
                }
            };
            emit(&workspace_guess, output.as_deref(), &text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Metrics(MetricsArgs { format, output }) => {
            let metrics = archfit::metrics(&options(global, &[]))?;
            let text = match format {
                TextFormat::Json => {
                    archfit::text::json_output(&archfit::report::metrics::render_json(&metrics))
                }
                TextFormat::Human => {
                    archfit::text::plain_output(&archfit::report::metrics::render_table(&metrics))
                }
            };
            emit(&workspace_guess, output.as_deref(), &text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check(check) => run_check(global, check, &workspace_guess, color),
        // Generated from the tool itself: no workspace needed.
        Command::Schema(SchemaArgs { kind }) => {
            emit_bytes(report::schema::render(*kind).as_bytes());
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions(CompletionsArgs { shell }) => {
            emit_bytes(&archfit::cli::completions(*shell));
            Ok(ExitCode::SUCCESS)
        }
        Command::Man(ManArgs { command }) => {
            let page = archfit::cli::man_page(command.as_deref()).ok_or_else(|| {
                Error::Usage(format!(
                    "man: no command `{}`; commands: {}",
                    archfit::text::neutralise(command.as_deref().unwrap_or_default()),
                    archfit::cli::command_names().join(", ")
                ))
            })?;
            emit_bytes(&page);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `cargo archfit baseline`: the findings of the selected rules, written to
/// `output`, else the configured or default baseline file.
fn write_baseline(
    global: &GlobalArgs,
    rules: &[String],
    output: Option<&std::path::Path>,
) -> Result<(), Error> {
    let options = options(global, rules);
    let loaded = archfit::load(&options)?;
    let outcome = archfit::run(&loaded, &options.rules)?;
    let path = archfit::baseline_path(&loaded, output);
    let baseline = archfit::baseline::Baseline::of(&outcome);
    let root = fs::Root::new(&loaded.workspace.root);
    // `--output` is the user's; a configured or default path comes
    // from the workspace and must stay inside it.
    let policy = match output {
        Some(_) => WritePolicy::User { workspace: &root },
        None => WritePolicy::Workspace(&root),
    };
    let relative = path.strip_prefix(root.path()).unwrap_or(&path);
    let target = match policy {
        WritePolicy::Workspace(_) | WritePolicy::Cache(_) => relative,
        WritePolicy::User { .. } => &path,
    };
    fs::write_file(target, report::baseline_file(&baseline).as_bytes(), policy).map_err(|e| {
        Error::Io {
            path: path.display().to_string(),
            message: format!("cannot write the baseline: {e}"),
        }
    })?;
    if !global.quiet {
        eprintln!(
            "archfit: wrote {} entries ({} findings) to {}",
            baseline.entries.len(),
            outcome.findings.len(),
            archfit::text::neutralise(&path.display().to_string())
        );
    }
    Ok(())
}

/// `cargo archfit report --html <dir>`: the site's files, each written
/// atomically into the folder the user named, never through a symlink.
fn write_report(global: &GlobalArgs, args: &ReportArgs) -> Result<ExitCode, Error> {
    let options = Options {
        baseline: args.baseline.clone(),
        allow_incomplete: args.allow_incomplete,
        traces: args.traces.clone(),
        ..options(global, &args.rules)
    };
    let built = archfit::architecture_report(&options)?;
    let site = report::html::render(&built);
    let dir = &args.html;
    let failed = |e: fs::FsError| Error::Io {
        path: dir.display().to_string(),
        message: format!("cannot write the report: {e}"),
    };
    fs::create_user_dir(dir).map_err(failed)?;
    let workspace = fs::Root::new(&built.outcome.root);
    for (name, text) in &site.files {
        fs::write_file(
            &dir.join(name),
            text.as_bytes(),
            WritePolicy::User {
                workspace: &workspace,
            },
        )
        .map_err(failed)?;
    }
    if !global.quiet {
        eprintln!(
            "archfit: wrote {} pages to {}; open {}",
            site.files.len(),
            archfit::text::neutralise(&dir.display().to_string()),
            archfit::text::neutralise(&dir.join("index.html").display().to_string())
        );
    }
    // A report of a run that could not examine everything is no pass.
    let incomplete = built
        .outcome
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error);
    Ok(if incomplete {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_check(
    global: &GlobalArgs,
    check: &CheckArgs,
    workspace_guess: &fs::Root,
    color: bool,
) -> Result<ExitCode, Error> {
    let options = Options {
        baseline: check.baseline.clone(),
        allow_incomplete: check.allow_incomplete,
        new_since: check.new_since.clone(),
        traces: check.traces.clone(),
        // Only the human report quotes source lines.
        without_snippets: check.format != report::Format::Human,
        ..options(global, &check.rules)
    };
    let outcome = archfit::check(&options)?;
    let format = check.format;
    let render_options = RenderOptions {
        color: color && check.output.is_none(),
        quiet: global.quiet,
        verbose: global.verbose,
    };
    emit(
        workspace_guess,
        check.output.as_deref(),
        &report::render(&outcome, format, &render_options),
    )?;
    if global.verbose && !global.quiet {
        let stats = outcome.stats;
        eprintln!(
            "archfit: {} source file(s) parsed, {} from the fact cache, {} bytes read; {} file(s) read, {} read again for the report",
            stats.files_parsed,
            stats.files_cached,
            stats.bytes_read,
            stats.files_read,
            archfit::facts::reread_count()
        );
        eprintln!(
            "archfit: {} SQL text(s) analysed ({} parser call(s)), {} from the SQL memo",
            stats.sql_analysed,
            archfit::sql::parse_count(),
            stats.sql_remembered
        );
    }
    // A check that could not run is never a pass, nor is a file that
    // could not be analysed: what it hides could be a violation.
    if outcome
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error)
    {
        let unanalysed = archfit::unanalysed_files(&outcome);
        if unanalysed > 0 && !global.quiet {
            eprintln!(
                "archfit: {unanalysed} file(s) could not be analysed, so the run is incomplete (exit 2); \
                 fix them, or pass --allow-incomplete to accept the run without them"
            );
        }
        return Ok(ExitCode::from(2));
    }
    // `--deny-warnings`: a warning the tool gives about its own work (a rule
    // that examined nothing, a module it could not follow) fails too.
    let warned = outcome.count(Severity::Warn) > 0
        || outcome
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Warn);
    let failed = outcome.count(Severity::Error) > 0 || (check.deny_warnings && warned);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `check --format sarif|junit --output FILE` writes its file even when the
/// run fails (exit 2), saying why, so a CI step that uploads it finds one.
/// A file that cannot be written either is left to the error already shown.
fn write_failure_report(global: &GlobalArgs, command: &Command, error: &Error) {
    let Command::Check(check) = command else {
        return;
    };
    let (Some(output), Some(text)) = (&check.output, report::render_failure(error, check.format))
    else {
        return;
    };
    let workspace = workspace_guess(global.manifest_path.as_deref());
    let _ = emit(&workspace, Some(output), &text);
}

/// The workspace a user path could point into: the manifest's folder, else
/// the current directory (`--output` inside it must stay inside it).
fn workspace_guess(manifest_path: Option<&std::path::Path>) -> fs::Root {
    let dir = manifest_path
        .and_then(|p| std::path::absolute(p).ok())
        .and_then(|p| p.parent().map(std::path::Path::to_path_buf))
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    fs::Root::new(&dir)
}

/// Writes the report to `--output` (atomically, never through a symlink) or
/// standard output.
fn emit(workspace: &fs::Root, output: Option<&std::path::Path>, text: &str) -> Result<(), Error> {
    match output {
        Some(path) => fs::write_file(path, text.as_bytes(), WritePolicy::User { workspace })
            .map_err(|e| Error::Io {
                path: path.display().to_string(),
                message: format!("cannot write the report: {e}"),
            }),
        None => {
            emit_bytes(text.as_bytes());
            Ok(())
        }
    }
}

/// Writes to standard output; a closed pipe (`| head`) is not an error of
/// the analysis.
fn emit_bytes(bytes: &[u8]) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(bytes);
    let _ = stdout.flush();
}
