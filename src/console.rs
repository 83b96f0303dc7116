//! Text for a person: `out!`/`outln!` to standard output (results a person
//! reads: summaries, tables, guard verdicts, `--json`), `err!`/`errln!` to
//! standard error (progress, warnings, diagnostics), as cargo and hyperfine
//! split them, so `impexsim run > summary.txt` keeps the summary.
//!
//! Unlike `println!`, these never panic: a write to a closed pipe
//! (`impexsim validate ... | true`) or a closed terminal is dropped, and the
//! command goes on to its own exit code, so a guard that failed still exits 3
//! whatever became of its reader.

use std::fmt;
use std::io::{self, Write};

/// Writes `text` to standard output, dropping it if that fails.
pub fn write_out(text: fmt::Arguments<'_>) {
    let _ = io::stdout().lock().write_fmt(text);
}

/// Writes `text` to standard error, dropping it if that fails.
pub fn write_err(text: fmt::Arguments<'_>) {
    let _ = io::stderr().lock().write_fmt(text);
}

/// `print!` that never panics.
macro_rules! out {
    ($($arg:tt)*) => { $crate::console::write_out(format_args!($($arg)*)) };
}

/// `println!` that never panics.
macro_rules! outln {
    ($($arg:tt)*) => { $crate::console::write_out(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `eprint!` that never panics.
#[allow(unused_macros)]
macro_rules! err {
    ($($arg:tt)*) => { $crate::console::write_err(format_args!($($arg)*)) };
}

/// `eprintln!` that never panics.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::console::write_err(format_args!("{}\n", format_args!($($arg)*))) };
}

#[allow(unused_imports)]
pub(crate) use err;
pub(crate) use {errln, out, outln};
