//! Rendering of errors that stop the tool (exit code 2).

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};

use crate::Error;

/// The error as miette graphical reports, for standard error. Configuration
/// mistakes are drawn one by one, each with its own snippet, then counted.
pub fn render_error(error: &Error, color: bool) -> String {
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
    out
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
