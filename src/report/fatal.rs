//! Rendering of errors that stop the tool (exit code 2), the rustc way:
//! `error: message`, the snippet of the file it points into, what caused
//! it, and `= help:` lines. (The diagnostic codes `archfit::config` … stay
//! for machine formats; they are no header for people.)
//!
//! Errors quote the workspace too: configuration mistakes show archfit.toml
//! or a manifest, a workspace error carries cargo's own error output (file
//! names, manifest contents, whatever a build script or a path made it
//! print). So the error is neutralised as reports are ([`crate::text`])
//! before it is drawn, and the drawing gets the same last pass against
//! CI workflow commands.

use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, LabeledSpan};

use super::human::{self, Paint};
use crate::error::{ConfigError, SourceFile};
use crate::text::{defuse_workflow_commands, neutralise, neutralise_lines, neutralise_source};
use crate::{Error, Location, Severity};

/// The error for standard error. Configuration mistakes are drawn one by
/// one, each with its own snippet, then counted.
pub fn render_error(error: &Error, color: bool) -> String {
    let error = &neutral(error);
    let handler = human::snippet_handler(color);
    let paint = Paint(color);
    let mut out = String::new();
    match error {
        Error::Config(errors) if errors.len() > 1 => {
            for e in errors {
                out.push_str(&config_error(&handler, e, paint));
                out.push('\n');
            }
            let total = format!(
                "{} mistakes in the configuration; nothing was checked",
                errors.len()
            );
            out.push_str(&human::header(Severity::Error, None, &total, paint));
            out.push('\n');
        }
        Error::Config(errors) if errors.len() == 1 => {
            out.push_str(&config_error(&handler, &errors[0], paint));
        }
        _ => {
            let header = human::header(Severity::Error, None, &error.to_string(), paint);
            out.push_str(&header);
            out.push('\n');
            if let Error::Cargo { output, .. } = error {
                // cargo's own words, as cargo shows a cause.
                out.push_str(&format!("\n{}\n", paint.apply("Caused by:", human::BOLD)));
                for line in output.lines() {
                    out.push_str(&format!("  {line}\n"));
                }
                out.push('\n');
            }
            let help = error.help().map(|help| help.to_string());
            out.push_str(&help_lines(help.as_deref(), 2, paint));
        }
    }
    let mut trimmed = String::with_capacity(out.len());
    for line in out.lines() {
        trimmed.push_str(line.trim_end());
        trimmed.push('\n');
    }
    defuse_workflow_commands(&trimmed).into_owned()
}

/// One configuration mistake: its header, the snippet of its span (or
/// ` --> file` when it has none), its help.
fn config_error(handler: &GraphicalReportHandler, error: &ConfigError, paint: Paint) -> String {
    let mut out = human::header(Severity::Error, None, &error.to_string(), paint);
    out.push('\n');
    let mut gutter = 2;
    if let (Some(file), Some(span)) = (&error.file, &error.span) {
        let drawable = span.start <= span.end
            && span.end <= file.text.len()
            && file.text.is_char_boundary(span.start)
            && file.text.is_char_boundary(span.end);
        let label = LabeledSpan::new_primary_with_span(error.label.clone(), span.clone());
        let drawn = drawable
            .then(|| human::snippet(handler, &file.name, &Arc::clone(&file.text), vec![label]))
            .flatten();
        match drawn {
            Some(drawn) => {
                gutter = human::gutter_of(&drawn);
                out.push_str(&drawn);
            }
            None if drawable => {
                let location = Location::from_span(&file.name, &file.text, span.clone());
                out.push_str(&human::arrow(&location, paint));
            }
            None => out.push_str(&format!(
                " {} {}\n",
                paint.apply("-->", human::BOLD_BLUE),
                file.name
            )),
        }
    }
    out.push_str(&help_lines(error.help.as_deref(), gutter, paint));
    out
}

/// `= help:` per line of `help`, lined up under the snippet's border.
fn help_lines(help: Option<&str>, gutter: usize, paint: Paint) -> String {
    let mut out = String::new();
    let indent = " ".repeat(gutter);
    for line in help.iter().flat_map(|h| h.lines()) {
        if !line.trim().is_empty() {
            out.push_str(&format!(
                "{indent}{} {}: {line}\n",
                paint.apply("=", human::BOLD_BLUE),
                paint.apply("help", human::BOLD)
            ));
        }
    }
    out
}

/// The error with every text neutralised: names on one line, messages and
/// help with their line breaks, file texts byte for byte (spans point into
/// them). The colours in cargo's output are dropped first, so they neither
/// show up as escapes nor hide text.
pub(super) fn neutral(error: &Error) -> Error {
    let line = |text: &str| neutralise(text).into_owned();
    let lines = |text: &str| neutralise_lines(text).into_owned();
    let cargo_lines = |text: &str| neutralise_lines(&strip_colours(text)).into_owned();
    match error {
        Error::Config(errors) => Error::Config(
            errors
                .iter()
                .map(|e| {
                    let ConfigError {
                        message,
                        file,
                        span,
                        label,
                        help,
                    } = e;
                    ConfigError {
                        message: lines(message),
                        file: file.as_ref().map(|SourceFile { name, text }| SourceFile {
                            name: line(name),
                            text: match neutralise_source(text) {
                                std::borrow::Cow::Borrowed(_) => text.clone(),
                                std::borrow::Cow::Owned(safe) => safe.into(),
                            },
                        }),
                        span: span.clone(),
                        label: label.as_deref().map(line),
                        help: help.as_deref().map(lines),
                    }
                })
                .collect(),
        ),
        Error::NoConfig { root } => Error::NoConfig { root: line(root) },
        Error::Workspace { message, help } => Error::Workspace {
            message: cargo_lines(message),
            help: cargo_lines(help),
        },
        Error::Cargo {
            message,
            help,
            output,
        } => Error::Cargo {
            message: cargo_lines(message),
            help: cargo_lines(help),
            output: cargo_lines(output),
        },
        Error::Io { path, message } => Error::Io {
            path: line(path),
            message: lines(message),
        },
        Error::Usage(message) => Error::Usage(lines(message)),
    }
}

/// `text` without SGR sequences (`ESC [ digits ; … m`), the colours cargo
/// writes under `CARGO_TERM_COLOR=always`. Every other escape sequence is
/// left for neutralising, so it shows.
fn strip_colours(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("\u{1b}[") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\u{1b}[") {
        let after = &rest[at + 2..];
        let params = after
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b';')
            .count();
        if after.as_bytes().get(params) == Some(&b'm') {
            out.push_str(&rest[..at]);
            rest = &after[params + 1..];
        } else {
            out.push_str(&rest[..at + 2]);
            rest = after;
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_safe(text: &str) {
        assert!(
            !text.chars().any(|c| c != '\n' && crate::text::is_hazard(c)),
            "{text}"
        );
        for line in text.lines() {
            let trimmed = line.trim_start();
            assert!(
                !trimmed.starts_with("::") && !line.contains("##["),
                "{line}"
            );
        }
    }

    #[test]
    fn cargo_output_is_shown_neutralised_without_its_colours() {
        let error = Error::Cargo {
            message: "cargo could not load the workspace: \u{1b}[1m\u{1b}[31merror\u{1b}[0m: bad"
                .into(),
            help: "fix it".into(),
            output: "\u{1b}[31merror\u{1b}[0m: failed to parse manifest at `/w/services/orders\r\n::error file=x::pwned/Cargo.toml`\n##[warning]legacy\n\u{1b}]0;title\u{7}"
                .into(),
        };
        let text = render_error(&error, false);
        assert_safe(&text);
        assert!(
            text.contains("cargo could not load the workspace: error: bad"),
            "{text}"
        );
        assert!(
            text.contains("error: failed to parse manifest at `/w/services/orders"),
            "{text}"
        );
        assert!(
            text.contains("  \u{b7}::error file=x::pwned/Cargo.toml`"),
            "{text}"
        );
        assert!(text.contains("#\\u{23}[warning]legacy"), "{text}");
        assert!(text.contains("\\u{1b}]0;title\\u{7}"), "{text}");
    }

    #[test]
    fn config_snippet_keeps_its_span_and_loses_its_controls() {
        let toml = "version = 1\n[[rule]]\nid = \"x\u{1b}[2J\u{202e}\"\ncheck = \"nope\"\n";
        let file = SourceFile::new("archfit\u{1b}.toml", toml);
        let start = toml.find("\"nope\"").unwrap();
        let error = Error::Config(vec![ConfigError::at(
            &file,
            start..start + 6,
            "unknown check `nope`\u{1b}[8m",
        )
        .label("this check\r::error::x")
        .help("checks: cycles\n::warning::x")]);
        let text = render_error(&error, false);
        assert_safe(&text);
        assert!(text.contains("[archfit\\u{1b}.toml:4:9]"), "{text}");
        assert!(text.contains(" 3 │ id = \"x?[2J???\""), "{text}");
        assert!(text.contains(" 4 │ check = \"nope\""), "{text}");
        assert!(text.contains("this check\\r::error::x"), "{text}");
        assert!(
            text.starts_with("error: unknown check `nope`\\u{1b}[8m\n"),
            "{text}"
        );
        assert!(text.contains("   = help: ::warning::x\n"), "{text}");
    }

    #[test]
    fn cargo_refusal_is_headed_by_the_error_then_its_cause_then_the_help() {
        let error = Error::Cargo {
            message: "cargo could not load the workspace: key with no value, expected `=`".into(),
            help: "fix the manifest cargo names".into(),
            output: "error: key with no value, expected `=`\n --> services/payments/Cargo.toml:9:9"
                .into(),
        };
        assert_eq!(
            render_error(&error, false),
            "error: cargo could not load the workspace: key with no value, expected `=`\n\
             \n\
             Caused by:\n\
            \x20 error: key with no value, expected `=`\n\
            \x20  --> services/payments/Cargo.toml:9:9\n\
             \n\
            \x20 = help: fix the manifest cargo names\n"
        );
    }

    #[test]
    fn errors_are_headed_the_rustc_way_without_diagnostic_codes() {
        let no_config = render_error(
            &Error::NoConfig {
                root: "/w/shop".into(),
            },
            false,
        );
        assert!(
            no_config.starts_with(
                "error: no archfit configuration found in /w/shop\n  = help: run `cargo archfit init`"
            ),
            "{no_config}"
        );
        let usage = render_error(&Error::Usage("--rule x: no rule has this id".into()), false);
        assert_eq!(usage, "error: --rule x: no rule has this id\n");
        let coloured = render_error(&Error::Usage("bad".into()), true);
        assert_eq!(
            coloured,
            "\u{1b}[1;31merror\u{1b}[0m\u{1b}[1m: bad\u{1b}[0m\n"
        );
        for text in [no_config, usage] {
            assert!(!text.contains("archfit::"), "{text}");
            assert!(!text.contains('×'), "{text}");
        }
    }

    #[test]
    fn a_mistake_without_span_names_its_file_and_several_are_counted() {
        let file = SourceFile::new("archfit.toml", "version = 1\n");
        let error = Error::Config(vec![
            ConfigError {
                file: Some(file.clone()),
                ..ConfigError::general("no [[service]] is declared")
            },
            ConfigError::at(&file, 0..7, "`version` must be 1").help("write `version = 1`"),
        ]);
        let text = render_error(&error, false);
        assert!(
            text.starts_with("error: no [[service]] is declared (in archfit.toml)\n\nerror: `version` must be 1\n   ╭─[archfit.toml:1:1]\n"),
            "{text}"
        );
        assert!(
            text.contains("   ╰────\n   = help: write `version = 1`\n"),
            "{text}"
        );
        assert!(
            text.ends_with("\nerror: 2 mistakes in the configuration; nothing was checked\n"),
            "{text}"
        );
    }

    #[test]
    fn every_kind_of_error_is_neutralised() {
        for error in [
            Error::NoConfig {
                root: "/w/\u{1b}[2Jshop\n::error::x".into(),
            },
            Error::Io {
                path: "/w/out\r\n::error::x.sarif".into(),
                message: "cannot write \u{9b}31m".into(),
            },
            Error::Usage("--rule x\u{202e}y\n::error::x".into()),
            Error::Workspace {
                message: "cannot read \u{1b}[2J".into(),
                help: "pass\n::error::x".into(),
            },
        ] {
            assert_safe(&render_error(&error, false));
        }
    }
}
