//! `cargo-archfit`: parse arguments → `archfit` library → render → exit code.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use archfit::cli::{Cli, ColorArg, Command, FormatArg, LevelArg};
use archfit::fs::{self, WritePolicy};
use archfit::graph;
use archfit::report::graph::GraphFormat;
use archfit::report::{self, Format, RenderOptions};
use archfit::{Error, Options, Severity};

fn main() -> ExitCode {
    let cli = Cli::from_env();
    let color = match cli.common.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    match run(&cli, color) {
        Ok(code) => code,
        Err(error) => {
            let stderr_color = match cli.common.color {
                ColorArg::Auto => {
                    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
                _ => color,
            };
            eprint!("{}", report::render_error(&error, stderr_color));
            ExitCode::from(2)
        }
    }
}

fn run(cli: &Cli, color: bool) -> Result<ExitCode, Error> {
    let common = &cli.common;
    let options = Options {
        manifest_path: common.manifest_path.clone(),
        config: common.config.clone(),
        rules: common.rules.clone(),
        baseline: common.baseline.clone(),
        allow_incomplete: common.allow_incomplete,
    };
    let workspace_guess = workspace_guess(common.manifest_path.as_deref());
    let format = match common.format {
        FormatArg::Human => Format::Human,
        FormatArg::Json => Format::Json,
        FormatArg::Sarif => Format::Sarif,
        FormatArg::Junit => Format::Junit,
        FormatArg::Github => Format::Github,
        FormatArg::Markdown => Format::Markdown,
        FormatArg::Dot | FormatArg::Mermaid => match &cli.command {
            Some(Command::Graph(_)) => Format::Human,
            _ => {
                let reports: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                let name = if common.format == FormatArg::Dot {
                    "dot"
                } else {
                    "mermaid"
                };
                return Err(Error::Usage(format!(
                    "--format {name} is for `cargo archfit graph`; reports take {}",
                    reports.join(", ")
                )));
            }
        },
    };
    match &cli.command {
        Some(Command::Graph(args)) => {
            let loaded = archfit::load(&options)?;
            let level = match args.level {
                LevelArg::Service => graph::view::Level::Service,
                LevelArg::Crate => graph::view::Level::Crate,
                LevelArg::Module => graph::view::Level::Module,
            };
            // One parse of the sources serves the rules and the drawing.
            let with_sources = level != graph::view::Level::Crate;
            let (outcome, facts) =
                archfit::run_keeping_facts(&loaded, &options.rules, with_sources)?;
            let view = graph::view::build(
                &loaded,
                level,
                args.krate.as_deref(),
                Some(&outcome),
                facts.as_ref(),
            )?;
            let graph_format = match common.format {
                FormatArg::Json => GraphFormat::Json,
                FormatArg::Mermaid => GraphFormat::Mermaid,
                _ => GraphFormat::Dot,
            };
            emit(
                &workspace_guess,
                common.output.as_deref(),
                &report::graph::render(&view, graph_format),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Baseline) => {
            let loaded = archfit::load(&options)?;
            let outcome = archfit::run(&loaded, &options.rules)?;
            let path = archfit::baseline_path(&loaded, common.output.as_deref());
            let baseline = archfit::baseline::Baseline::of(&outcome);
            let root = fs::Root::new(&loaded.workspace.root);
            // `--output` is the user's; a configured or default path comes
            // from the workspace and must stay inside it.
            let policy = match &common.output {
                Some(_) => WritePolicy::User { workspace: &root },
                None => WritePolicy::Workspace(&root),
            };
            let relative = path.strip_prefix(root.path()).unwrap_or(&path);
            let target = match policy {
                WritePolicy::Workspace(_) => relative,
                WritePolicy::User { .. } => &path,
            };
            fs::write_file(target, baseline.to_json().as_bytes(), policy).map_err(|e| {
                Error::Io {
                    path: path.display().to_string(),
                    message: format!("cannot write the baseline: {e}"),
                }
            })?;
            if !common.quiet {
                eprintln!(
                    "archfit: wrote {} entries ({} findings) to {}",
                    baseline.entries.len(),
                    outcome.findings.len(),
                    archfit::text::neutralise(&path.display().to_string())
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Explain { target }) => {
            emit(
                &workspace_guess,
                common.output.as_deref(),
                &archfit::text::plain_output(&archfit::explain::explain(&options, target)?),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Init { force }) => {
            if common.config.is_some() {
                return Err(Error::Usage(
                    "init writes archfit.toml at the workspace root; --config does not apply"
                        .into(),
                ));
            }
            let workspace = archfit::workspace::load(options.manifest_path.as_deref())?;
            let plan = archfit::init::plan(&workspace);
            let written = archfit::init::write(&workspace.root, &plan, *force)?;
            if !common.quiet {
                for file in &plan.files {
                    let note = if written.contains(&file.path) {
                        "wrote"
                    } else {
                        "kept existing"
                    };
                    eprintln!("archfit: {note} {}", archfit::text::neutralise(&file.path));
                }
                eprintln!("archfit: review archfit.toml and the ADRs in docs/adr/, then run `cargo archfit`");
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Adr) => {
            let matrix = archfit::explain::adr_matrix(&options)?;
            let text = match format {
                Format::Json => {
                    archfit::text::json_output(&archfit::explain::render_matrix_json(&matrix))
                }
                _ => archfit::text::plain_output(&archfit::explain::render_matrix(&matrix)),
            };
            emit(&workspace_guess, common.output.as_deref(), &text)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Metrics) => {
            if !matches!(format, Format::Human | Format::Json) {
                return Err(Error::Usage(format!(
                    "metrics prints a table or json, not {}",
                    format.name()
                )));
            }
            let metrics = archfit::metrics(&options)?;
            let text = match format {
                Format::Json => {
                    archfit::text::json_output(&archfit::metrics::render_json(&metrics))
                }
                _ => archfit::text::plain_output(&archfit::metrics::render_table(&metrics)),
            };
            emit(&workspace_guess, common.output.as_deref(), &text)?;
            Ok(ExitCode::SUCCESS)
        }
        None | Some(Command::Check) => {
            let outcome = archfit::check(&options)?;
            let render_options = RenderOptions {
                color: color && common.output.is_none(),
                quiet: common.quiet,
                verbose: common.verbose,
            };
            emit(
                &workspace_guess,
                common.output.as_deref(),
                &report::render(&outcome, format, &render_options),
            )?;
            // A check that could not run is never a pass, nor is a file that
            // could not be analysed: what it hides could be a violation.
            if outcome
                .diagnostics
                .iter()
                .any(|d| d.severity == Severity::Error)
            {
                let unanalysed = archfit::unanalysed_files(&outcome);
                if unanalysed > 0 && !common.quiet {
                    eprintln!(
                        "archfit: {unanalysed} file(s) could not be analysed, so the run is incomplete (exit 2); \
                         fix them, or pass --allow-incomplete to accept the run without them"
                    );
                }
                return Ok(ExitCode::from(2));
            }
            let failed = outcome.count(Severity::Error) > 0
                || (common.deny_warnings && outcome.count(Severity::Warn) > 0);
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
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
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error of the analysis.
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
            Ok(())
        }
    }
}
