//! Command-line definitions (clap). Nothing here runs anything.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Architecture fitness functions for multi-service Rust workspaces: turn
/// your ADRs into checks that fail the build when broken.
#[derive(Debug, Parser)]
#[command(name = "cargo-archfit", bin_name = "cargo archfit", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub common: Common,
}

/// What to do; `check` when omitted.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every enabled rule and report findings (the default).
    Check,
    /// Afferent/efferent coupling and instability per crate and per service.
    Metrics,
    /// The graph the checks see (`--format dot|mermaid|json`), cycles and
    /// findings highlighted.
    Graph(GraphArgs),
    /// Write the current findings to the baseline file (`--output`, else
    /// `baseline` in archfit.toml, else archfit-baseline.json).
    Baseline,
    /// What a rule or check enforces: parameters, decision, documentation.
    Explain {
        /// A rule id of archfit.toml or a check name.
        target: String,
    },
    /// Rules ↔ decisions: ADRs with no rule, rules with no ADR, retired ADRs still enforced.
    Adr,
    /// Inspect the workspace and write a starter archfit.toml and ADR templates.
    Init {
        /// Overwrite an existing archfit.toml.
        #[arg(long)]
        force: bool,
    },
}

/// Options of `graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Which graph.
    #[arg(long, value_enum, default_value_t = LevelArg::Service)]
    pub level: LevelArg,
    /// With `--level module`: only this crate's modules.
    #[arg(long = "crate", value_name = "NAME")]
    pub krate: Option<String>,
}

/// `graph --level` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LevelArg {
    Service,
    Crate,
    Module,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Common {
    /// Path to the workspace's Cargo.toml.
    #[arg(long, global = true, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Configuration file [default: archfit.toml at the workspace root, else
    /// [workspace.metadata.archfit] in Cargo.toml].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Report format (`graph`: dot, mermaid or json; human means dot).
    #[arg(long, global = true, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// Write the report to this file instead of standard output.
    #[arg(long, global = true, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Fail only on findings not in this baseline file.
    #[arg(long, global = true, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Run only this rule (repeatable).
    #[arg(long = "rule", global = true, value_name = "ID")]
    pub rules: Vec<String>,
    /// Exit 1 on warnings too.
    #[arg(long, global = true)]
    pub deny_warnings: bool,
    /// Do not fail (exit 2) when some files could not be analysed (too large,
    /// unparsable, outside the workspace); report them as warnings instead.
    #[arg(long, global = true)]
    pub allow_incomplete: bool,
    /// When to use colors.
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Print only errors, warnings and the total.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print info diagnostics and rules without findings.
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
    Markdown,
    Dot,
    Mermaid,
}

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

impl Cli {
    /// Parses the process arguments, accepting both `cargo-archfit check`
    /// and `cargo archfit check` (cargo passes "archfit" as first argument).
    pub fn from_env() -> Cli {
        Cli::parse_from(strip_cargo_subcommand(std::env::args_os()))
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

    #[test]
    fn cargo_subcommand_name_is_dropped() {
        let args =
            strip_cargo_subcommand(["cargo-archfit", "archfit", "check"].map(OsString::from));
        assert_eq!(args, ["cargo-archfit", "check"].map(OsString::from));
        let args = strip_cargo_subcommand(["cargo-archfit", "metrics"].map(OsString::from));
        assert_eq!(args, ["cargo-archfit", "metrics"].map(OsString::from));
    }

    #[test]
    fn check_is_the_default_command() {
        let cli = Cli::parse_from(["cargo-archfit", "--format", "json"]);
        assert!(cli.command.is_none());
        assert_eq!(cli.common.format, FormatArg::Json);
    }

    #[test]
    fn options_are_accepted_after_the_subcommand() {
        let cli = Cli::parse_from(["cargo-archfit", "check", "--rule", "a", "--rule", "b", "-q"]);
        assert_eq!(cli.common.rules, ["a", "b"]);
        assert!(cli.common.quiet);
    }
}
