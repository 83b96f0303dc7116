//! What a polished command line offers besides its commands: help wrapped to
//! the terminal, exit codes in the top-level help, shell completions and a
//! manual page.

use std::fs;

use tempfile::TempDir;

use crate::impexsim;

/// Every command with a help page of its own.
const COMMANDS: &[&[&str]] = &[
    &[],
    &["run"],
    &["validate"],
    &["sweep"],
    &["compare"],
    &["optimize"],
    &["fixtures"],
    &["calls"],
    &["scenario"],
    &["scenario", "show"],
    &["scenario", "init"],
    &["completions"],
    &["man"],
];

fn stdout_of(args: &[&str]) -> String {
    let output = impexsim().args(args).output().unwrap();
    assert!(
        output.status.success(),
        "impexsim {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Issue 10: help did not follow the terminal's width (clap's `wrap_help`).
/// Standard output is not a terminal here, so the width comes from COLUMNS.
#[test]
fn help_is_wrapped_to_the_terminal_width() {
    for command in COMMANDS {
        for (columns, flag) in [(60, "--help"), (72, "-h")] {
            let output = impexsim()
                .args(*command)
                .arg(flag)
                .env("COLUMNS", columns.to_string())
                .output()
                .unwrap();
            assert!(output.status.success());
            let help = String::from_utf8(output.stdout).unwrap();
            // clap never breaks the usage line; everything else must fit.
            for line in help.lines().filter(|line| !line.starts_with("Usage: ")) {
                assert!(
                    line.chars().count() <= columns,
                    "impexsim {command:?} {flag} at {columns} columns:\n{line}\n\n{help}"
                );
            }
        }
    }
}

/// Issue 10: the exit codes belong in the top-level help.
#[test]
fn top_level_help_lists_the_exit_codes() {
    let help = stdout_of(&["--help"]);
    let codes = help.split_once("Exit codes:").expect("an exit code list").1;
    for line in [
        "  0  success",
        "  1  any other failure",
        "  2  bad input",
        "  3  compare: a guard failed",
    ] {
        assert!(codes.contains(line), "{line:?} missing from\n{help}");
    }
}

/// Every subcommand name, as completions and the manual must know them.
const SUBCOMMANDS: [&str; 11] = [
    "run",
    "validate",
    "sweep",
    "compare",
    "optimize",
    "fixtures",
    "calls",
    "scenario",
    "completions",
    "man",
    "show",
];

/// Issue 10: `impexsim completions bash|zsh|fish`.
#[test]
fn completions_for_bash_zsh_and_fish() {
    let bash = stdout_of(&["completions", "bash"]);
    assert!(bash.contains("complete -F _impexsim"), "{bash}");
    let zsh = stdout_of(&["completions", "zsh"]);
    assert!(zsh.starts_with("#compdef impexsim"), "{zsh}");
    let fish = stdout_of(&["completions", "fish"]);
    assert!(fish.contains("complete -c impexsim"), "{fish}");
    for script in [&bash, &zsh, &fish] {
        for name in SUBCOMMANDS
            .iter()
            .chain(&["replications", "candidate-scenario"])
        {
            assert!(script.contains(name), "{name} missing");
        }
    }
    // The bash script is valid bash.
    let tmp = TempDir::new().unwrap();
    let path = tmp.path().join("impexsim.bash");
    fs::write(&path, &bash).unwrap();
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // An unknown shell is a usage error.
    let output = impexsim().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// Issue 10: a manual page, generated from the same definitions as --help.
#[test]
fn man_page_documents_every_command_and_the_exit_codes() {
    let page = stdout_of(&["man"]);
    assert!(page.contains(".TH impexsim 1"), "{page}");
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH SUBCOMMANDS",
        ".SH EXAMPLES",
        ".SH \"EXIT STATUS\"",
    ] {
        assert!(page.contains(section), "{section} missing from\n{page}");
    }
    for name in &SUBCOMMANDS[..10] {
        assert!(
            page.contains(&format!("impexsim\\-{name}(1)")),
            "{name} missing"
        );
    }
    let exit_status = page.split_once(".SH \"EXIT STATUS\"").unwrap().1;
    for code in ["\\fB0\\fR", "\\fB1\\fR", "\\fB2\\fR", "\\fB3\\fR"] {
        assert!(
            exit_status.contains(code),
            "{code} missing from\n{exit_status}"
        );
    }

    // `--out DIR`: one page per command.
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("man1");
    let output = impexsim()
        .args(["man", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for command in COMMANDS {
        let name = std::iter::once("impexsim")
            .chain(command.iter().copied())
            .collect::<Vec<_>>()
            .join("-");
        let page = fs::read_to_string(dir.join(format!("{name}.1")))
            .unwrap_or_else(|error| panic!("{name}.1: {error}"));
        assert!(page.contains(&format!(".TH {name} 1")), "{name}.1");
        assert!(page.contains(".SH EXAMPLES"), "{name}.1 has no examples");
    }
}
