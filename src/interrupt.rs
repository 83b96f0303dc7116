//! A request to stop early, handed to every command that writes output.
//!
//! The binary raises an `Interrupt` on SIGINT, SIGTERM or SIGHUP; the library
//! only polls it, as mini-redis passes its shutdown signal down to each
//! connection. A raised interrupt makes the engine's run loop stop (through
//! `RecordSink::stopped`), the writers return `Interrupted`, and
//! `output_dir::write_staged` remove its staging directory, so an interrupted
//! command unwinds like any failed one and leaves its target as it was.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A shared flag: zero until raised, then the cause it was raised with (the
/// binary stores the signal number). Clones share the flag.
#[derive(Clone, Debug, Default)]
pub struct Interrupt {
    cause: Arc<AtomicUsize>,
}

/// A command stopped because its `Interrupt` was raised; nothing it was
/// writing was put in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted {
    /// The cause the interrupt was raised with (a signal number in the binary).
    pub cause: usize,
}

impl Interrupt {
    /// A flag that is not raised.
    pub fn new() -> Interrupt {
        Interrupt::default()
    }

    /// Raises the flag with `cause` (non-zero). The first cause stays.
    pub fn raise(&self, cause: usize) {
        assert!(cause != 0, "an interrupt is raised with a non-zero cause");
        let _ = self
            .cause
            .compare_exchange(0, cause, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// Whether the flag is raised.
    pub fn is_raised(&self) -> bool {
        self.cause.load(Ordering::Relaxed) != 0
    }

    /// `Err(Interrupted)` once the flag is raised.
    pub fn check(&self) -> Result<(), Interrupted> {
        match self.cause.load(Ordering::Relaxed) {
            0 => Ok(()),
            cause => Err(Interrupted { cause }),
        }
    }

    /// The flag itself, for a signal handler to store a cause in (what
    /// `signal_hook::flag::register_usize` takes).
    pub fn flag(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.cause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_flag_and_the_first_cause_stays() {
        let interrupt = Interrupt::new();
        let clone = interrupt.clone();
        assert_eq!(interrupt.check(), Ok(()));
        clone.raise(15);
        interrupt.raise(2);
        assert!(interrupt.is_raised());
        assert_eq!(interrupt.check(), Err(Interrupted { cause: 15 }));
    }
}
