//! Rendering of errors that stop the tool (exit code 2).
//!
//! Errors quote the workspace too: configuration mistakes show archfit.toml
//! or a manifest, a workspace error carries cargo's own error output (file
//! names, manifest contents, whatever a build script or a path made it
//! print). So the error is neutralised as reports are ([`crate::text`])
//! before miette draws it, and the drawing gets the same last pass against
//! CI workflow commands.

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};

use crate::error::{ConfigError, SourceFile};
use crate::text::{defuse_workflow_commands, neutralise, neutralise_lines, neutralise_source};
use crate::Error;

/// The error as miette graphical reports, for standard error. Configuration
/// mistakes are drawn one by one, each with its own snippet, then counted.
pub fn render_error(error: &Error, color: bool) -> String {
    let error = &neutral(error);
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false)
        .with_wrap_lines(false);
    let mut out = String::new();
    match error {
        Error::Config(errors) if errors.len() > 1 => {
            for e in errors {
                draw(&handler, &mut out, e);
                out.push('\n');
            }
            out.push_str(&format!(
                "error: {} mistakes in the configuration; nothing was checked\n",
                errors.len()
            ));
        }
        _ => draw(&handler, &mut out, error),
    }
    defuse_workflow_commands(&out).into_owned()
}

fn draw(handler: &GraphicalReportHandler, out: &mut String, diagnostic: &dyn Diagnostic) {
    let mut text = String::new();
    if handler.render_report(&mut text, diagnostic).is_err() {
        text = format!("error: {diagnostic}\n");
    }
    for line in text.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
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
        let error = Error::Workspace {
            message: "cargo could not load the workspace: \u{1b}[1m\u{1b}[31merror\u{1b}[0m: bad"
                .into(),
            help: "fix it\n\ncargo said:\n\u{1b}[31merror\u{1b}[0m: failed to parse manifest at `/w/services/orders\r\n::error file=x::pwned/Cargo.toml`\n##[warning]legacy\n\u{1b}]0;title\u{7}"
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
            text.contains("\u{b7}::error file=x::pwned/Cargo.toml`"),
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
            text.contains("× unknown check `nope`\\u{1b}[8m\n"),
            "{text}"
        );
        assert!(text.contains("        \u{b7}::warning::x\n"), "{text}");
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
        ] {
            assert_safe(&render_error(&error, false));
        }
    }
}
