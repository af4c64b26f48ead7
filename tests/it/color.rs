//! Colour follows the conventions of cargo and the wider ecosystem:
//! `--color`, then CARGO_TERM_COLOR, then NO_COLOR (set and not empty),
//! CLICOLOR_FORCE, TERM=dumb and whether the output is a terminal.

use std::process::{Command, Output, Stdio};

use crate::fixture;

/// Every variable that decides colour; each case starts with none of them.
const COLOUR_VARIABLES: &[&str] = &[
    "NO_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "CARGO_TERM_COLOR",
    "TERM",
    // anstream colours a terminal in CI whatever TERM says.
    "CI",
];

/// Where the report goes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Out {
    Pipe,
    /// A pseudo-terminal, through util-linux `script` (an essential package
    /// on Debian, so on every machine that runs this suite).
    Terminal,
    /// Standard error on a terminal, standard output into /dev/null.
    StderrTerminal,
}

/// Runs `cargo-archfit <args>` in the shop workspace with only `env` set of
/// the colour variables.
fn run(out: Out, args: &[&str], env: &[(&str, &str)]) -> Output {
    let binary = env!("CARGO_BIN_EXE_cargo-archfit");
    let mut command = match out {
        Out::Pipe => {
            let mut command = Command::new(binary);
            command.args(args);
            command
        }
        Out::Terminal | Out::StderrTerminal => {
            let mut line = std::iter::once(binary)
                .chain(args.iter().copied())
                .map(|word| format!("'{}'", word.replace('\'', r"'\''")))
                .collect::<Vec<_>>()
                .join(" ");
            if out == Out::StderrTerminal {
                line.push_str(" >/dev/null");
            }
            let mut command = Command::new("script");
            command.args(["-qec", &line, "/dev/null"]);
            command
        }
    };
    command.current_dir(fixture("shop")).stdin(Stdio::null());
    for name in COLOUR_VARIABLES {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.output().expect("cargo-archfit runs")
}

/// Where the report goes, the flags, the variables set, and whether the
/// report must be coloured.
type Case<'a> = (Out, &'a [&'a str], &'a [(&'a str, &'a str)], bool);

fn coloured(bytes: &[u8]) -> bool {
    bytes.contains(&0x1b)
}

#[test]
fn colour_matrix_of_flag_and_environment() {
    use Out::{Pipe, Terminal};
    let xterm = ("TERM", "xterm-256color");
    #[rustfmt::skip]
    let cases: &[Case] = &[
        // Not a terminal: no colour unless asked for.
        (Pipe, &[], &[xterm], false),
        (Pipe, &[], &[("CLICOLOR_FORCE", "1")], true),
        (Pipe, &[], &[("CARGO_TERM_COLOR", "always")], true),
        (Pipe, &["--color", "always"], &[], true),
        // A terminal: colour unless TERM=dumb or NO_COLOR says otherwise.
        (Terminal, &[], &[xterm], true),
        (Terminal, &[], &[("TERM", "dumb")], false),
        (Terminal, &[], &[xterm, ("NO_COLOR", "1")], false),
        // NO_COLOR set but empty does not disable colour (no-color.org).
        (Terminal, &[], &[xterm, ("NO_COLOR", "")], true),
        (Pipe, &[], &[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")], true),
        // NO_COLOR beats CLICOLOR_FORCE, as in cargo.
        (Pipe, &[], &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")], false),
        (Terminal, &[], &[xterm, ("CLICOLOR", "0")], false),
        // CARGO_TERM_COLOR is configuration: it beats the conventions.
        (Terminal, &[], &[xterm, ("CARGO_TERM_COLOR", "never")], false),
        (Pipe, &[], &[("CARGO_TERM_COLOR", "never"), ("CLICOLOR_FORCE", "1")], false),
        (Pipe, &[], &[("CARGO_TERM_COLOR", "always"), ("NO_COLOR", "1")], true),
        (Pipe, &[], &[("CARGO_TERM_COLOR", "auto"), ("CLICOLOR_FORCE", "1")], true),
        // `--color` beats everything, CARGO_TERM_COLOR included.
        (Pipe, &["--color", "never"], &[("CARGO_TERM_COLOR", "always"), ("CLICOLOR_FORCE", "1")], false),
        (Pipe, &["--color", "always"], &[("NO_COLOR", "1"), ("CARGO_TERM_COLOR", "never")], true),
        (Terminal, &["--color", "always"], &[("TERM", "dumb")], true),
        (Terminal, &["--color", "never"], &[xterm], false),
        (Pipe, &["--color", "auto"], &[("CARGO_TERM_COLOR", "always")], false),
    ];
    let mut wrong = Vec::new();
    for &(out, flags, env, expected) in cases {
        let args: Vec<&str> = ["check"].iter().chain(flags).copied().collect();
        let output = run(out, &args, env);
        // Findings: exit 1 (`script` passes the child's status on).
        assert_eq!(output.status.code(), Some(1), "{out:?} {args:?} {env:?}");
        if coloured(&output.stdout) != expected {
            wrong.push(format!(
                "{out:?} {args:?} {env:?}: expected colour {expected}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn fatal_errors_on_stderr_follow_the_same_rules() {
    let args = ["check", "--manifest-path", "/nonexistent/Cargo.toml"];
    let forced = run(Out::Pipe, &args, &[("CLICOLOR_FORCE", "1")]);
    assert_eq!(forced.status.code(), Some(2));
    assert!(coloured(&forced.stderr), "{forced:?}");
    let plain = run(Out::Pipe, &args, &[("TERM", "xterm")]);
    assert_eq!(plain.status.code(), Some(2));
    assert!(!coloured(&plain.stderr), "{plain:?}");
    // Standard error is judged on its own: a redirected stdout does not
    // take its colour away (`script` hands the terminal's text back as stdout).
    let on_terminal = run(Out::StderrTerminal, &args, &[("TERM", "xterm")]);
    assert!(coloured(&on_terminal.stdout), "{on_terminal:?}");
    let dumb = run(Out::StderrTerminal, &args, &[("TERM", "dumb")]);
    assert!(!coloured(&dumb.stdout), "{dumb:?}");
    assert!(
        String::from_utf8_lossy(&dumb.stdout).contains("Cargo.toml"),
        "{dumb:?}"
    );
}

#[test]
fn cargo_term_color_must_be_a_colour_choice() {
    let output = run(Out::Pipe, &["check"], &[("CARGO_TERM_COLOR", "sometimes")]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("'sometimes'"), "{stderr}");
    assert!(stderr.contains("auto, always, never"), "{stderr}");
}
