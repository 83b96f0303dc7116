//! Random streams (docs/model.md, Randomness and common random numbers): one ChaCha8 stream per job and purpose.
//!
//! The key is expanded from the seed once per run. A stream is selected by the
//! ChaCha nonce, `replication << 32 | generation << 8 | purpose`, and the
//! block counter starts at `root_index << 20` words, so every (replication,
//! job, purpose) reads its own, non-overlapping part of the keystream: 2^20
//! words each, far more than a job draws. A follow-up export job is keyed by
//! its root job's index and its generation.

use std::fmt;
use std::str::FromStr;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

/// What a stream is for: a job's draws never depend on which path another
/// purpose took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Purpose {
    /// Everything a job may need, drawn at creation in a fixed order.
    Fate = 0,
    /// Answers to overdue-package contacts: one per deadline, unbounded.
    Overdue = 1,
    /// Service times of rare extra packaging work (returned orphans, late drives).
    Returns = 2,
    /// Gaps between Poisson arrivals (root index 0, generation 0).
    Arrivals = 3,
    /// Fake customer data of fixtures (names, addresses, tracking numbers).
    Fixtures = 4,
}

/// Identity of a job for its streams: the arrival index of its root job and
/// how many follow-up exports separate it from that root (0 for the root).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobKey {
    pub root: u64,
    pub generation: u32,
}

/// `<root>.<generation>`, e.g. `17.0`: how call lines (`"key"`) and the
/// `x-impexsim-job-key` header write a key.
impl fmt::Display for JobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.root, self.generation)
    }
}

/// A job key text that is not `<root>.<generation>` (two unsigned integers).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("job key `{0}`: expected <root>.<generation>, two unsigned integers such as 17.0")]
pub struct JobKeyError(pub String);

impl FromStr for JobKey {
    type Err = JobKeyError;

    fn from_str(text: &str) -> Result<JobKey, JobKeyError> {
        let error = || JobKeyError(text.to_string());
        let (root, generation) = text.split_once('.').ok_or_else(error)?;
        let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if !digits(root) || !digits(generation) {
            return Err(error());
        }
        Ok(JobKey {
            root: root.parse().map_err(|_| error())?,
            generation: generation.parse().map_err(|_| error())?,
        })
    }
}

/// Makes the streams of one run.
#[derive(Clone, Debug)]
pub struct StreamFactory {
    template: ChaCha8Rng,
    replication: u32,
}

impl StreamFactory {
    pub fn new(seed: u64, replication: u32) -> Self {
        StreamFactory {
            template: ChaCha8Rng::seed_from_u64(seed),
            replication,
        }
    }

    pub fn stream(&self, key: JobKey, purpose: Purpose) -> ChaCha8Rng {
        assert!(key.root < 1 << 44, "job index too large for its stream");
        let generation = u64::from(key.generation.min(0xff_ffff));
        let mut rng = self.template.clone();
        rng.set_stream(u64::from(self.replication) << 32 | generation << 8 | purpose as u64);
        rng.set_word_pos(u128::from(key.root) << 20);
        rng
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn first(factory: &StreamFactory, root: u64, generation: u32, purpose: Purpose) -> u64 {
        factory
            .stream(JobKey { root, generation }, purpose)
            .next_u64()
    }

    #[test]
    fn keys_read_back_what_they_write() {
        let key = JobKey {
            root: 17,
            generation: 2,
        };
        assert_eq!(key.to_string(), "17.2");
        assert_eq!("17.2".parse::<JobKey>(), Ok(key));
        for bad in [
            "17",
            "17.",
            ".2",
            "-1.0",
            "1.2.3",
            "a.0",
            "+1.0",
            "1.99999999999",
        ] {
            assert_eq!(
                bad.parse::<JobKey>(),
                Err(JobKeyError(bad.to_string())),
                "{bad}"
            );
        }
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let factory = StreamFactory::new(1, 0);
        let a = first(&factory, 5, 0, Purpose::Fate);
        assert_eq!(a, first(&StreamFactory::new(1, 0), 5, 0, Purpose::Fate));
        assert_ne!(a, first(&factory, 6, 0, Purpose::Fate));
        assert_ne!(a, first(&factory, 5, 1, Purpose::Fate));
        assert_ne!(a, first(&factory, 5, 0, Purpose::Overdue));
        assert_ne!(a, first(&StreamFactory::new(1, 1), 5, 0, Purpose::Fate));
        assert_ne!(a, first(&StreamFactory::new(2, 0), 5, 0, Purpose::Fate));
    }
}
