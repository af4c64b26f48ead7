//! An error that stopped the run (exit 2), as the machine formats carry
//! it: one problem per mistake, each with its place and advice.

use miette::Diagnostic as _;

use crate::error::ConfigError;
use crate::{Error, Location};

/// One reason the run could not do its job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    /// `config`, `workspace`, `io` or `usage`.
    pub(super) kind: &'static str,
    pub(super) message: String,
    /// `archfit.toml:12:5`, or the file alone.
    pub(super) place: Option<String>,
    pub(super) help: Option<String>,
}

impl Problem {
    /// Message, place and help on separate lines.
    pub(super) fn details(&self) -> String {
        let mut text = self.message.clone();
        if let Some(place) = &self.place {
            text.push_str(&format!("\n--> {place}"));
        }
        if let Some(help) = &self.help {
            text.push_str(&format!("\nhelp: {help}"));
        }
        text
    }
}

/// The problems of `error`, already neutralised by the caller.
pub(super) fn problems(error: &Error) -> Vec<Problem> {
    let kind = match error {
        Error::Config(_) | Error::NoConfig { .. } => "config",
        Error::Workspace { .. } | Error::Cargo { .. } => "workspace",
        Error::Io { .. } => "io",
        Error::Usage(_) => "usage",
    };
    match error {
        Error::Config(errors) => errors.iter().map(config_problem).collect(),
        // What cargo said is the cause a reader of the CI log needs.
        Error::Cargo {
            message,
            help,
            output,
        } => vec![Problem {
            kind,
            message: format!("{message}\ncaused by: {output}"),
            place: None,
            help: Some(help.clone()),
        }],
        other => vec![Problem {
            kind,
            message: other.to_string(),
            place: None,
            help: other.help().map(|h| h.to_string()),
        }],
    }
}

fn config_problem(error: &ConfigError) -> Problem {
    let place = error.file.as_ref().map(|file| match &error.span {
        Some(span) => {
            let at = Location::from_span(&file.name, &file.text, span.clone());
            format!("{}:{}:{}", at.file, at.line, at.column)
        }
        None => file.name.clone(),
    });
    Problem {
        kind: "config",
        message: error.message.clone(),
        place,
        help: error.help.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SourceFile;

    #[test]
    fn each_configuration_mistake_is_a_problem_with_its_place() {
        let file = SourceFile::new(
            "archfit.toml",
            "version = 1\n[[rule]]\ncheck = \"cycels\"\n",
        );
        let error = Error::Config(vec![
            ConfigError::at(&file, 29..37, "unknown check `cycels`").help("did you mean `cycles`?"),
            ConfigError::general("--rule x: no rule has this id"),
        ]);
        let problems = problems(&error);
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].place.as_deref(), Some("archfit.toml:3:9"));
        assert_eq!(
            problems[0].details(),
            "unknown check `cycels`\n--> archfit.toml:3:9\nhelp: did you mean `cycles`?"
        );
        assert_eq!(problems[1].place, None);
    }

    #[test]
    fn other_errors_are_one_problem_with_their_help() {
        let error = Error::Workspace {
            message: "cargo metadata failed".into(),
            help: "run `cargo metadata` to see why".into(),
        };
        let problems = problems(&error);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, "workspace");
        assert_eq!(
            problems[0].help.as_deref(),
            Some("run `cargo metadata` to see why")
        );
        let usage = super::problems(&Error::Usage("no".into()));
        assert_eq!((usage[0].kind, usage[0].help.as_deref()), ("usage", None));
    }
}
