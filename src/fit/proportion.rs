//! A probability estimated as a proportion, with its Wilson score interval
//! (docs/model.md, Fitting): unlike the normal approximation it stays
//! within `[0, 1]` and keeps its coverage for the rare events (lost
//! packages, faults) a history holds few of.

use statrs::distribution::{ContinuousCDF, Normal};

/// The confidence of every interval.
pub const CONFIDENCE: f64 = 0.95;

/// `successes` of `trials`, with the Wilson interval at `CONFIDENCE`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Proportion {
    pub successes: usize,
    pub trials: usize,
    /// `successes / trials`, 0 with no trials.
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

impl Proportion {
    /// The proportion and its interval; with no trials, 0 within `[0, 1]`.
    pub fn new(successes: usize, trials: usize) -> Proportion {
        assert!(
            successes <= trials,
            "{successes} successes of {trials} trials"
        );
        if trials == 0 {
            return Proportion {
                successes,
                trials,
                estimate: 0.0,
                low: 0.0,
                high: 1.0,
            };
        }
        let z = Normal::standard().inverse_cdf(1.0 - (1.0 - CONFIDENCE) / 2.0);
        let n = trials as f64;
        let p = successes as f64 / n;
        let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
        let half = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
        Proportion {
            successes,
            trials,
            estimate: p,
            low: (centre - half).max(0.0),
            high: (centre + half).min(1.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_interval_of_a_textbook_case() {
        // 81 of 263: the interval of Wilson (1927) as tabulated by Newcombe
        // (1998), method 3: 0.2553 to 0.3662.
        let p = Proportion::new(81, 263);
        assert!((p.low - 0.2553).abs() < 5e-5, "low {}", p.low);
        assert!((p.high - 0.3662).abs() < 5e-5, "high {}", p.high);
    }

    #[test]
    fn no_successes_still_has_an_upper_bound() {
        let p = Proportion::new(0, 100);
        assert_eq!(p.low, 0.0);
        // z^2 / (n + z^2) = 3.8415 / 103.8415.
        assert!((p.high - 0.036995).abs() < 1e-5, "high {}", p.high);
    }
}
