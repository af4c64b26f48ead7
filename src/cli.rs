//! Command-line definitions (clap), and what is generated from them: shell
//! completions and man pages. Nothing here runs anything.
//!
//! Only what every command uses is global; each command declares its own
//! options, so clap rejects one given to a command it means nothing to
//! (`graph --format sarif`) instead of the command ignoring it.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::graph::Level;
use crate::report::explain::ExplainFormat;
use crate::report::graph::GraphFormat;
use crate::report::schema::SchemaKind;
use crate::report::Format;
use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

/// Architecture fitness functions for multi-service Rust workspaces: turn
/// your ADRs into checks that fail the build when broken.
#[derive(Debug, Parser)]
#[command(name = "cargo-archfit", bin_name = "cargo archfit", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub global: GlobalArgs,
    /// `check`'s options given with no command (`cargo archfit --format json`);
    /// before a command they are rejected, see [`Cli::try_parse_args`].
    /// Last, so that its heading does not spill onto the global options.
    #[command(flatten, next_help_heading = "Check options (no command given)")]
    pub check: CheckArgs,
}

/// What to do; `check` when omitted.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every enabled rule and report findings (the default).
    Check(CheckArgs),
    /// Afferent/efferent coupling and instability per crate and per service.
    Metrics(MetricsArgs),
    /// The graph the checks see, cycles and findings highlighted.
    Graph(GraphArgs),
    /// The architecture report: a static HTML site (services, graph, decisions, findings).
    Report(ReportArgs),
    /// Write the current findings to the baseline file.
    Baseline(BaselineArgs),
    /// What a rule or check enforces: parameters, decision, documentation.
    Explain(ExplainArgs),
    /// Rules ↔ decisions: ADRs with no rule, rules with no ADR, retired ADRs still enforced.
    Adr(AdrArgs),
    /// Inspect the workspace and write a starter archfit.toml and ADR templates.
    Init(InitArgs),
    /// Print the JSON Schema of archfit.toml or of the JSON report.
    Schema(SchemaArgs),
    /// Print shell completions for cargo-archfit.
    Completions(CompletionsArgs),
    /// Print the man page of cargo-archfit or of one of its commands (roff).
    Man(ManArgs),
}

/// Options of every command.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Path to the workspace's Cargo.toml.
    #[arg(long, global = true, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Configuration file [default: archfit.toml at the workspace root, else
    /// [workspace.metadata.archfit] in Cargo.toml].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// When to use colors; `auto` follows NO_COLOR, CLICOLOR_FORCE, TERM and
    /// whether the output is a terminal, as cargo does.
    #[arg(
        long,
        global = true,
        value_enum,
        env = "CARGO_TERM_COLOR",
        default_value_t = ColorArg::Auto
    )]
    pub color: ColorArg,
    /// Print only errors, warnings and the total.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print info diagnostics and rules without findings.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Parse every file afresh: neither read nor write the fact cache.
    #[arg(long, global = true)]
    pub no_cache: bool,
    /// Cargo target directory, where the fact cache lives (`archfit/facts`)
    /// [default: CARGO_TARGET_DIR, else target/ at the workspace root].
    #[arg(long, global = true, value_name = "DIR")]
    pub target_dir: Option<PathBuf>,
}

/// Options of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Fail only on findings not in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Run only this rule (repeatable).
    #[arg(long = "rule", value_name = "ID")]
    pub rules: Vec<String>,
    /// Exit 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Do not fail (exit 2) when some files could not be analysed (too large,
    /// unparsable, outside the workspace); report them as warnings instead.
    #[arg(long)]
    pub allow_incomplete: bool,
    /// Report only findings that are new since this git ref (a branch, tag
    /// or commit): the same rules, with the current configuration and
    /// baseline, run on the ref's tree, and findings whose fingerprint
    /// occurs no more often now than there are left out. The tree is read
    /// with git plumbing into a temporary folder outside the workspace,
    /// running no hook or filter, and removed afterwards.
    #[arg(long, value_name = "REF")]
    pub new_since: Option<String>,
    /// Read runtime calls between services from this OpenTelemetry trace
    /// export (OTLP JSON, as the collector's file exporter writes it;
    /// repeatable).
    #[arg(long = "traces", value_name = "FILE")]
    pub traces: Vec<PathBuf>,
}

/// Options of `baseline`.
#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// Write here [default: `baseline` in archfit.toml, else
    /// archfit-baseline.json at the workspace root].
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Record only this rule's findings (repeatable).
    #[arg(long = "rule", value_name = "ID")]
    pub rules: Vec<String>,
}

/// Options of `graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Which graph.
    #[arg(long, value_enum, default_value_t = Level::Service)]
    pub level: Level,
    /// With `--level module`: only this crate's modules.
    #[arg(long = "crate", value_name = "NAME")]
    pub krate: Option<String>,
    /// Graph format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Write the graph to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Highlight only this rule's findings (repeatable); cycles always are.
    #[arg(long = "rule", value_name = "ID")]
    pub rules: Vec<String>,
    /// Draw the runtime calls of this OpenTelemetry trace export (OTLP
    /// JSON) as dashed edges between services (repeatable).
    #[arg(long = "traces", value_name = "FILE")]
    pub traces: Vec<PathBuf>,
}

/// Options of `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Write the site into this folder (created if missing; the files of
    /// the site are replaced, nothing else is touched).
    #[arg(long, value_name = "DIR", required = true)]
    pub html: PathBuf,
    /// Compare with this baseline file (new, remaining and fixed findings).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// OpenTelemetry trace export (OTLP JSON) to read runtime edges from (repeatable).
    #[arg(long = "traces", value_name = "FILE")]
    pub traces: Vec<PathBuf>,
    /// Run only this rule (repeatable).
    #[arg(long = "rule", value_name = "ID")]
    pub rules: Vec<String>,
    /// Do not fail (exit 2) when some files could not be analysed.
    #[arg(long)]
    pub allow_incomplete: bool,
}

/// Options of `metrics`.
#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// A table (human) or JSON.
    #[arg(long, value_enum, default_value_t = TextFormat::Human)]
    pub format: TextFormat,
    /// Write the metrics to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Options of `explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule id of archfit.toml or a check name.
    pub target: String,
    /// Plain text or the Markdown source [default: text on a terminal,
    /// markdown when piped or written to a file].
    #[arg(long, value_enum)]
    pub format: Option<ExplainFormat>,
    /// Write the explanation to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Options of `adr`.
#[derive(Debug, Args)]
pub struct AdrArgs {
    /// A table (human) or JSON.
    #[arg(long, value_enum, default_value_t = TextFormat::Human)]
    pub format: TextFormat,
    /// Write the matrix to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Options of `init`. It always writes archfit.toml and docs/adr/ at the
/// workspace root, so it takes no `--output`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Overwrite an existing archfit.toml.
    #[arg(long)]
    pub force: bool,
    /// Then record today's findings in the baseline file, as `cargo archfit
    /// baseline` does, so that `cargo archfit` fails only on new ones.
    #[arg(long)]
    pub baseline: bool,
}

/// Options of `schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which schema: `config` for editors (taplo, Even Better TOML), `report`
    /// for consumers of `check --format json`.
    #[arg(value_enum)]
    pub kind: SchemaKind,
}

/// Options of `completions`.
#[derive(Debug, Args)]
#[command(
    after_help = "The completions are for the `cargo-archfit` binary: cargo's own \
    completion does not hand `cargo archfit` over to subcommands.\n\
    bash: cargo-archfit completions bash > ~/.local/share/bash-completion/completions/cargo-archfit\n\
    zsh:  cargo-archfit completions zsh > ~/.zfunc/_cargo-archfit  (with ~/.zfunc in $fpath)\n\
    fish: cargo-archfit completions fish > ~/.config/fish/completions/cargo-archfit.fish"
)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Options of `man`.
#[derive(Debug, Args)]
#[command(
    after_help = "Read it with `cargo archfit man | man -l -`; install the pages with \
    `cargo archfit man > cargo-archfit.1` and `cargo archfit man check > cargo-archfit-check.1`, …"
)]
pub struct ManArgs {
    /// A command (`check`, `graph`, …): its page, cargo-archfit-<command>(1).
    /// Default: the page of cargo-archfit itself.
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// Shell completions for `cargo-archfit` in `shell`'s language.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    const BINARY: &str = "cargo-archfit";
    // clap_complete's bash script spells a hyphenated name one way where it
    // records the command typed and another where it matches it, so nothing
    // past the command would complete (clap-rs/clap#6421). Generated for a
    // name without the hyphen, then registered for the real one.
    let name = match shell {
        clap_complete::Shell::Bash => "cargo_archfit",
        _ => BINARY,
    };
    let mut command = Cli::command().bin_name(name);
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, name, &mut script);
    if name == BINARY {
        return script;
    }
    let text = String::from_utf8_lossy(&script);
    let mut fixed = String::with_capacity(text.len());
    for line in text.lines() {
        let registration = line.trim_start().starts_with("complete -F ");
        match line.strip_suffix(name).filter(|_| registration) {
            Some(head) => {
                fixed.push_str(head);
                fixed.push_str(BINARY);
            }
            None => fixed.push_str(line),
        }
        fixed.push('\n');
    }
    fixed.into_bytes()
}

/// The man page (roff) of cargo-archfit, or of its command `name`; `None`
/// when there is no such command.
pub fn man_page(name: Option<&str>) -> Option<Vec<u8>> {
    let mut command = Cli::command().disable_help_subcommand(true);
    // Building names the subcommands `cargo-archfit-<name>`, as their
    // pages are called.
    command.build();
    let page = match name {
        None => command,
        Some(name) => command
            .get_subcommands()
            .find(|c| c.get_name() == name)?
            .clone(),
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .source(format!("cargo-archfit {}", crate::VERSION))
        .render(&mut roff)
        .expect("rendering into memory cannot fail");
    Some(roff)
}

/// The names of the commands, for messages.
pub fn command_names() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

/// `--format` values of the commands that print a table or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextFormat {
    Human,
    Json,
}

/// `--color` values (also CARGO_TERM_COLOR's, which `--color` overrides).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

impl ColorArg {
    /// Whether to colour what goes to `stream`. `always` and `never` are the
    /// user's word and beat the environment; `auto` decides as cargo does
    /// (anstream): no colour when NO_COLOR is set and not empty, colour when
    /// CLICOLOR_FORCE is, else colour only on a terminal whose TERM is not
    /// `dumb`.
    pub fn paints<S: anstream::stream::RawStream>(self, stream: &S) -> bool {
        match self {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => anstream::AutoStream::choice(stream) != anstream::ColorChoice::Never,
        }
    }
}

/// A parsed command line: the global options and the command to run, with
/// `check` filled in when none was named.
#[derive(Debug)]
pub struct Invocation {
    pub global: GlobalArgs,
    pub command: Command,
}

impl Cli {
    /// Parses the process arguments, accepting both `cargo-archfit check`
    /// and `cargo archfit check` (cargo passes "archfit" as first argument);
    /// exits 2 with clap's message on a usage error.
    pub fn from_env() -> Invocation {
        Cli::try_parse_args(strip_cargo_subcommand(std::env::args_os()))
            .unwrap_or_else(|error| error.exit())
    }

    /// Parses `args` (program name first) and applies the rules clap cannot
    /// state declaratively.
    pub fn try_parse_args(
        args: impl IntoIterator<Item = OsString>,
    ) -> Result<Invocation, clap::Error> {
        let mut command = Cli::command();
        let matches = command.try_get_matches_from_mut(args)?;
        let cli = Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut command))?;
        cli.validate(&matches, &mut command)?;
        let Cli {
            command: subcommand,
            check,
            global,
        } = cli;
        Ok(Invocation {
            global,
            command: subcommand.unwrap_or(Command::Check(check)),
        })
    }

    fn validate(
        &self,
        matches: &ArgMatches,
        command: &mut clap::Command,
    ) -> Result<(), clap::Error> {
        // `check`'s options are accepted at the top level only because
        // `check` is the default; before a named command they would be
        // silently dropped (`--format json graph`).
        if let Some((name, _)) = matches.subcommand() {
            let top_level = CheckArgs::augment_args(clap::Command::new("check"));
            for arg in top_level.get_arguments() {
                if matches.value_source(arg.get_id().as_str()) == Some(ValueSource::CommandLine) {
                    let flag = arg.get_long().unwrap_or_else(|| arg.get_id().as_str());
                    return Err(command.error(
                        ErrorKind::ArgumentConflict,
                        format!(
                            "`--{flag}` before `{name}` is an option of `check`; a command's \
                             options go after its name (see `cargo archfit {name} --help`)"
                        ),
                    ));
                }
            }
        }
        // The generated texts come from the tool alone: a workspace or
        // configuration named for them would be silently ignored.
        if let Some((name @ ("schema" | "completions" | "man"), _)) = matches.subcommand() {
            for (id, flag) in [("manifest_path", "--manifest-path"), ("config", "--config")] {
                if matches.value_source(id) == Some(ValueSource::CommandLine) {
                    let message =
                        format!("`{name}` reads no workspace, so `{flag}` does not apply to it");
                    return Err(match command.find_subcommand_mut(name) {
                        Some(sub) => sub.error(ErrorKind::ArgumentConflict, message),
                        None => command.error(ErrorKind::ArgumentConflict, message),
                    });
                }
            }
        }
        // clap can require `--level` but not require its value to be `module`.
        if let Some(Command::Graph(graph)) = &self.command {
            if graph.krate.is_some() && graph.level != Level::Module {
                let message =
                    "`--crate` selects the modules of one crate; it needs `--level module`";
                // The error's usage line is `graph`'s, as for clap's own errors.
                return Err(match command.find_subcommand_mut("graph") {
                    Some(graph) => graph.error(ErrorKind::ArgumentConflict, message),
                    None => command.error(ErrorKind::ArgumentConflict, message),
                });
            }
        }
        Ok(())
    }
}

/// Drops the `archfit` that cargo inserts when run as `cargo archfit`.
pub fn strip_cargo_subcommand(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut args: Vec<OsString> = args.into_iter().collect();
    if args.get(1).is_some_and(|a| a == "archfit") {
        args.remove(1);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Invocation, clap::Error> {
        Cli::try_parse_args(
            std::iter::once("cargo-archfit")
                .chain(args.iter().copied())
                .map(OsString::from),
        )
    }

    fn check_args(args: &[&str]) -> CheckArgs {
        match parse(args).map(|i| i.command) {
            Ok(Command::Check(check)) => check,
            other => panic!("{args:?} should run check: {other:?}"),
        }
    }

    fn rejected(args: &[&str]) -> clap::Error {
        match parse(args) {
            Ok(invocation) => panic!("{args:?} should be rejected: {invocation:?}"),
            Err(error) => error,
        }
    }

    #[test]
    fn definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn cargo_subcommand_name_is_dropped() {
        let args =
            strip_cargo_subcommand(["cargo-archfit", "archfit", "check"].map(OsString::from));
        assert_eq!(args, ["cargo-archfit", "check"].map(OsString::from));
        let args = strip_cargo_subcommand(["cargo-archfit", "metrics"].map(OsString::from));
        assert_eq!(args, ["cargo-archfit", "metrics"].map(OsString::from));
    }

    #[test]
    fn check_is_the_default_command_and_takes_its_options() {
        let check = check_args(&["--format", "json", "--rule", "a", "--deny-warnings"]);
        assert_eq!(check.format, Format::Json);
        assert_eq!(check.rules, ["a"]);
        assert!(check.deny_warnings);
        assert_eq!(check_args(&[]).format, Format::Human);
    }

    #[test]
    fn check_takes_its_options_after_its_name() {
        let check = check_args(&[
            "check",
            "--deny-warnings",
            "--allow-incomplete",
            "--rule",
            "a",
            "--rule",
            "b",
            "--baseline",
            "base.json",
            "--output",
            "out.sarif",
            "--format",
            "sarif",
        ]);
        assert!(check.deny_warnings && check.allow_incomplete);
        assert_eq!(check.rules, ["a", "b"]);
        assert_eq!(check.baseline, Some(PathBuf::from("base.json")));
        assert_eq!(check.output, Some(PathBuf::from("out.sarif")));
        assert_eq!(check.format, Format::Sarif);
    }

    #[test]
    fn global_options_are_accepted_before_and_after_the_command() {
        for args in [
            &[
                "--manifest-path",
                "w/Cargo.toml",
                "-q",
                "graph",
                "--color",
                "never",
            ][..],
            &[
                "graph",
                "--manifest-path",
                "w/Cargo.toml",
                "--color",
                "never",
                "-q",
            ][..],
        ] {
            let invocation = parse(args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            assert!(matches!(invocation.command, Command::Graph(_)), "{args:?}");
            assert_eq!(
                invocation.global.manifest_path,
                Some(PathBuf::from("w/Cargo.toml"))
            );
            assert_eq!(invocation.global.color, ColorArg::Never);
            assert!(invocation.global.quiet);
        }
        let invocation = parse(&["--config", "a.toml", "adr", "-v"]).expect("parses");
        assert_eq!(invocation.global.config, Some(PathBuf::from("a.toml")));
        assert!(invocation.global.verbose);
    }

    #[test]
    fn each_command_rejects_formats_it_cannot_write() {
        for args in [
            &["graph", "--format", "sarif"][..],
            &["adr", "--format", "sarif"],
            &["metrics", "--format", "markdown"],
            &["check", "--format", "dot"],
            &["--format", "mermaid"],
            &["explain", "no-crate-cycles", "--format", "json"],
        ] {
            assert_eq!(rejected(args).kind(), ErrorKind::InvalidValue, "{args:?}");
        }
        let graph = parse(&["graph", "--format", "mermaid"]).expect("parses");
        assert!(matches!(
            graph.command,
            Command::Graph(GraphArgs {
                format: GraphFormat::Mermaid,
                ..
            })
        ));
        let adr = parse(&["adr", "--format", "json"]).expect("parses");
        assert!(matches!(
            adr.command,
            Command::Adr(AdrArgs {
                format: TextFormat::Json,
                ..
            })
        ));
    }

    #[test]
    fn options_of_other_commands_are_rejected() {
        for args in [
            &["init", "--output", "custom.toml"][..],
            &["graph", "--deny-warnings"],
            &["metrics", "--baseline", "b.json"],
            &["baseline", "--format", "json"],
            &["adr", "--rule", "a"],
        ] {
            assert_eq!(
                rejected(args).kind(),
                ErrorKind::UnknownArgument,
                "{args:?}"
            );
        }
    }

    #[test]
    fn check_options_before_another_command_are_rejected() {
        for args in [
            &["--format", "json", "graph"][..],
            &["--deny-warnings", "metrics"],
            &["--output", "x.json", "check"],
        ] {
            let error = rejected(args);
            assert_eq!(error.kind(), ErrorKind::ArgumentConflict, "{args:?}");
            assert!(
                error.to_string().contains("is an option of `check`"),
                "{error}"
            );
        }
    }

    #[test]
    fn a_misspelt_command_gets_a_suggestion() {
        for (typo, command) in [
            ("chek", "check"),
            ("metric", "metrics"),
            ("basline", "baseline"),
        ] {
            let error = rejected(&[typo]);
            assert_eq!(error.kind(), ErrorKind::InvalidSubcommand, "{typo}");
            let text = error.to_string();
            assert!(text.contains("similar subcommand"), "{text}");
            assert!(text.contains(&format!("'{command}'")), "{text}");
        }
    }

    #[test]
    fn generated_texts_take_no_workspace() {
        for args in [
            &["schema", "config", "--manifest-path", "w/Cargo.toml"][..],
            &["--config", "a.toml", "completions", "bash"],
            &["man", "check", "--config", "a.toml"],
        ] {
            let error = rejected(args);
            assert_eq!(error.kind(), ErrorKind::ArgumentConflict, "{args:?}");
            assert!(error.to_string().contains("reads no workspace"), "{error}");
        }
        let schema = parse(&["schema", "report", "--color", "never"]).expect("parses");
        assert!(matches!(
            schema.command,
            Command::Schema(SchemaArgs {
                kind: SchemaKind::Report
            })
        ));
        assert!(matches!(
            parse(&["completions", "zsh"]).map(|i| i.command),
            Ok(Command::Completions(CompletionsArgs {
                shell: clap_complete::Shell::Zsh
            }))
        ));
        assert!(matches!(
            parse(&["man"]).map(|i| i.command),
            Ok(Command::Man(ManArgs { command: None }))
        ));
    }

    #[test]
    fn crate_needs_the_module_level() {
        for args in [
            &["graph", "--crate", "orders"][..],
            &["graph", "--crate", "orders", "--level", "crate"],
        ] {
            let error = rejected(args);
            assert_eq!(error.kind(), ErrorKind::ArgumentConflict, "{args:?}");
            assert!(error.to_string().contains("--level module"), "{error}");
        }
        let graph = parse(&["graph", "--crate", "orders", "--level", "module"]).expect("parses");
        assert!(matches!(
            graph.command,
            Command::Graph(GraphArgs { level: Level::Module, krate: Some(ref k), .. }) if k == "orders"
        ));
    }

    #[test]
    fn init_takes_force_and_baseline_and_explain_an_output() {
        let init = parse(&["init", "--force"]).expect("parses");
        assert!(matches!(
            init.command,
            Command::Init(InitArgs {
                force: true,
                baseline: false
            })
        ));
        let init = parse(&["init", "--baseline"]).expect("parses");
        assert!(matches!(
            init.command,
            Command::Init(InitArgs {
                force: false,
                baseline: true
            })
        ));
        let explain = parse(&["explain", "no-crate-cycles", "--output", "e.md"]).expect("parses");
        assert!(matches!(
            explain.command,
            Command::Explain(ExplainArgs { ref target, output: Some(_), .. }) if target == "no-crate-cycles"
        ));
    }
}
