//! Errors that stop the tool from doing its job (exit code 2). Each carries
//! what the user needs to fix it: the file, the span, and what to do.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, SourceCode};

/// A file's name and text, shared by the errors that point into it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: Arc<str>,
}

impl SourceFile {
    /// Wraps a file's name (as shown to the user) and text.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> SourceFile {
        SourceFile {
            name: name.into(),
            text: text.into(),
        }
    }
}

/// One mistake in a configuration or manifest file.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub message: String,
    pub file: Option<SourceFile>,
    pub span: Option<Range<usize>>,
    pub label: Option<String>,
    pub help: Option<String>,
}

impl ConfigError {
    /// A mistake at `span` of `file`.
    pub fn at(file: &SourceFile, span: Range<usize>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            message: message.into(),
            file: Some(file.clone()),
            span: Some(span),
            label: None,
            help: None,
        }
    }

    /// A mistake that has no place in a file.
    pub fn general(message: impl Into<String>) -> ConfigError {
        ConfigError {
            message: message.into(),
            file: None,
            span: None,
            label: None,
            help: None,
        }
    }

    /// Adds the text drawn under the span.
    pub fn label(mut self, label: impl Into<String>) -> ConfigError {
        self.label = Some(label.into());
        self
    }

    /// Adds advice on how to fix it.
    pub fn help(mut self, help: impl Into<String>) -> ConfigError {
        self.help = Some(help.into());
        self
    }

    /// Converts a toml error from the file `file`, keeping its span.
    pub fn from_toml(file: &SourceFile, error: &toml::de::Error) -> ConfigError {
        let message = error.message().trim().to_string();
        match error.span() {
            Some(span) => ConfigError::at(file, span, message),
            None => ConfigError {
                file: Some(file.clone()),
                ..ConfigError::general(message)
            },
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let (Some(file), None) = (&self.file, &self.span) {
            write!(f, " (in {})", file.name)?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl Diagnostic for ConfigError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("archfit::config"))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        match (&self.file, &self.span) {
            (Some(file), Some(_)) => Some(file as &dyn SourceCode),
            _ => None,
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span.clone()?;
        let label = LabeledSpan::new_primary_with_span(
            Some(self.label.clone().unwrap_or_else(|| "here".into())),
            span,
        );
        Some(Box::new(std::iter::once(label)))
    }
}

impl SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// Why the tool could not do its job. Rendered by miette; exit code 2.
#[derive(Debug)]
pub enum Error {
    /// Every mistake found in the configuration, not just the first.
    Config(Vec<ConfigError>),
    /// No `archfit.toml` and no `[workspace.metadata.archfit]`.
    NoConfig { root: String },
    /// `cargo metadata` failed or could not be started.
    Workspace { message: String, help: String },
    /// `cargo metadata` ran and refused the workspace; `output` is what it
    /// said, shown as the error's cause.
    Cargo {
        message: String,
        help: String,
        output: String,
    },
    /// A file the user named could not be read or written.
    Io { path: String, message: String },
    /// Options that do not go together.
    Usage(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(errors) if errors.len() == 1 => write!(f, "{}", errors[0]),
            Error::Config(errors) => write!(f, "{} mistakes in the configuration", errors.len()),
            Error::NoConfig { root } => write!(f, "no archfit configuration found in {root}"),
            Error::Workspace { message, .. } | Error::Cargo { message, .. } => f.write_str(message),
            Error::Io { path, message } => write!(f, "{path}: {message}"),
            Error::Usage(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

impl Diagnostic for Error {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let code = match self {
            Error::Config(_) | Error::NoConfig { .. } => "archfit::config",
            Error::Workspace { .. } | Error::Cargo { .. } => "archfit::workspace",
            Error::Io { .. } => "archfit::io",
            Error::Usage(_) => "archfit::usage",
        };
        Some(Box::new(code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        match self {
            Error::Config(errors) if errors.len() == 1 => Diagnostic::help(&errors[0]),
            Error::NoConfig { .. } => Some(Box::new(
                "run `cargo archfit init` to write a starter archfit.toml from the workspace's \
                 layout (or put the tables under [workspace.metadata.archfit] in Cargo.toml, \
                 or pass --config <file>)",
            )),
            Error::Workspace { help, .. } | Error::Cargo { help, .. } => Some(Box::new(help)),
            _ => None,
        }
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        match self {
            Error::Config(errors) if errors.len() == 1 => errors[0].source_code(),
            _ => None,
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        match self {
            Error::Config(errors) if errors.len() == 1 => errors[0].labels(),
            _ => None,
        }
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        match self {
            Error::Config(errors) if errors.len() > 1 => {
                Some(Box::new(errors.iter().map(|e| e as &dyn Diagnostic)))
            }
            _ => None,
        }
    }
}
