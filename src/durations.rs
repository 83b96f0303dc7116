//! A multiset of durations kept for exact order statistics, in little memory.
//!
//! The summary's percentiles are exact (docs/model.md, Measurement), so a run
//! keeps one duration for each finished job, each state a job entered and
//! each queue wait: at a million jobs, several million values. They are kept
//! as whole milliseconds, as the clock measures them: those under 2^32 ms
//! (49.7 days, nearly every one) in 4 bytes, the others in 8. A float of
//! days would take 8 bytes each, and integers sort faster.
//!
//! Zeros are only counted: most queue waits are zero where servers are
//! plentiful, and a count keeps their place in the order all the same.
//!
//! Nothing is lost: a value in days is computed from its milliseconds when
//! it is read (`SimDuration::as_days_f64`), exactly as it would have been
//! when it was measured, and the order of milliseconds is the order of days.

use crate::time::SimDuration;

/// Durations in the order they were added.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Durations {
    /// How many values are 0 ms.
    zeros: usize,
    /// Values in `[1, 2^32)` ms.
    short: Vec<u32>,
    /// Every other value [ms].
    long: Vec<i64>,
}

impl Durations {
    /// No durations.
    pub fn new() -> Durations {
        Durations::default()
    }

    /// Adds one duration (of any sign).
    pub fn push(&mut self, duration: SimDuration) {
        match u32::try_from(duration.ms()) {
            Ok(0) => self.zeros += 1,
            Ok(ms) => self.short.push(ms),
            Err(_) => self.long.push(duration.ms()),
        }
    }

    /// How many durations were added.
    pub fn len(&self) -> usize {
        self.zeros + self.short.len() + self.long.len()
    }

    /// Whether none was added.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The same durations in ascending order.
    pub fn sorted(mut self) -> SortedDurations {
        // A radix sort, one pass per byte: a million jobs' values took more
        // CPU to sort by comparisons, even on every thread of the pool.
        // Integers equal in order are equal, so the result does not depend
        // on how it was sorted.
        radsort::sort(&mut self.short);
        radsort::sort(&mut self.long);
        let negative = self.long.partition_point(|&ms| ms < 0);
        SortedDurations {
            zeros: self.zeros,
            short: self.short,
            long: self.long,
            negative,
        }
    }
}

/// Durations in ascending order, read by rank.
#[derive(Clone, Debug, Default)]
pub struct SortedDurations {
    zeros: usize,
    /// Sorted, each at least 1 ms.
    short: Vec<u32>,
    /// Sorted: the `negative` values below zero, then those of 2^32 ms or more.
    long: Vec<i64>,
    negative: usize,
}

impl SortedDurations {
    /// How many durations there are.
    pub fn len(&self) -> usize {
        self.zeros + self.short.len() + self.long.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of rank `rank` (0 is the least); panics past the end.
    pub fn get(&self, rank: usize) -> SimDuration {
        let ms = if rank < self.negative {
            self.long[rank]
        } else if rank < self.negative + self.zeros {
            0
        } else if rank < self.negative + self.zeros + self.short.len() {
            i64::from(self.short[rank - self.negative - self.zeros])
        } else {
            self.long[rank - self.zeros - self.short.len()]
        };
        SimDuration::from_ms(ms)
    }

    /// Every value, least first.
    pub fn iter(&self) -> impl Iterator<Item = SimDuration> + '_ {
        let (negative, long) = self.long.split_at(self.negative);
        negative
            .iter()
            .copied()
            .chain(std::iter::repeat_n(0, self.zeros))
            .chain(self.short.iter().map(|&ms| i64::from(ms)))
            .chain(long.iter().copied())
            .map(SimDuration::from_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_run_over_negative_short_and_long_values_in_order() {
        let values = [
            5,
            -3,
            1 << 40,
            0,
            u32::MAX as i64,
            1 << 32,
            -1 << 40,
            17,
            0,
            5,
        ];
        let mut durations = Durations::new();
        for ms in values {
            durations.push(SimDuration::from_ms(ms));
        }
        assert_eq!(durations.len(), values.len());
        let sorted = durations.sorted();
        let mut expected = values.to_vec();
        expected.sort_unstable();
        let by_rank: Vec<i64> = (0..sorted.len())
            .map(|rank| sorted.get(rank).ms())
            .collect();
        let by_iter: Vec<i64> = sorted.iter().map(SimDuration::ms).collect();
        assert_eq!(by_rank, expected);
        assert_eq!(by_iter, expected);
    }

    #[test]
    fn zeros_are_counted_and_values_under_two_to_the_32_ms_take_four_bytes() {
        let mut durations = Durations::new();
        durations.push(SimDuration::from_ms(u32::MAX as i64));
        durations.push(SimDuration::from_ms(1 << 32));
        durations.push(SimDuration::ZERO);
        assert_eq!(
            (durations.zeros, durations.short.len(), durations.long.len()),
            (1, 1, 1)
        );
    }

    #[test]
    fn nothing_sorted_is_empty() {
        let sorted = Durations::new().sorted();
        assert!(sorted.is_empty());
        assert_eq!(sorted.iter().count(), 0);
    }
}
