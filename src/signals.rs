//! SIGINT, SIGTERM and SIGHUP stop a command cleanly.
//!
//! The first signal raises the library's `Interrupt` with the signal's
//! number: the run stops at its next check (within a fraction of a second),
//! removes its staging directory and leaves the target as it was; `main`
//! then exits with 128 + the signal number (130 for Ctrl-C, 143 for SIGTERM).
//! A second signal ends the process at once with that code, for a command
//! stuck where it cannot check (opening a FIFO nobody reads); what it leaves
//! behind the next command into the same target removes.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use impexsim::interrupt::Interrupt;

/// An `Interrupt` raised by the signals that ask a command to stop.
pub fn interrupt_on_signals() -> Interrupt {
    let interrupt = Interrupt::new();
    let raised = Arc::new(AtomicBool::new(false));
    for signal in stop_signals() {
        // Registration fails only for a forbidden signal, none of these; a
        // signal left unhandled still ends the process, as by default.
        let _ = signal_hook::flag::register_conditional_shutdown(
            signal,
            128 + signal,
            Arc::clone(&raised),
        );
        let _ = signal_hook::flag::register(signal, Arc::clone(&raised));
        let _ = signal_hook::flag::register_usize(signal, interrupt.flag(), signal as usize);
    }
    interrupt
}

/// Completes at the first SIGINT (Ctrl-C) or SIGTERM, for the commands
/// that run on tokio (`serve`, `replay`) and stop by draining what is in
/// flight rather than through `Interrupt`. A signal that cannot be watched
/// never completes it.
pub async fn stop_requested() {
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// The exit code for a command stopped by the signal `cause`: 128 + its number.
pub fn exit_code(cause: usize) -> u8 {
    u8::try_from(128 + cause).unwrap_or(u8::MAX)
}

/// `SIGINT`, `SIGTERM`, `SIGHUP`, or `signal N`.
pub fn name(cause: usize) -> String {
    let named = stop_signals()
        .into_iter()
        .zip(["SIGINT", "SIGTERM", "SIGHUP"])
        .find(|&(signal, _)| signal as usize == cause);
    match named {
        Some((_, name)) => name.to_string(),
        None => format!("signal {cause}"),
    }
}

#[cfg(unix)]
fn stop_signals() -> [i32; 3] {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    [SIGINT, SIGTERM, SIGHUP]
}

#[cfg(not(unix))]
fn stop_signals() -> [i32; 2] {
    use signal_hook::consts::{SIGINT, SIGTERM};
    [SIGINT, SIGTERM]
}
