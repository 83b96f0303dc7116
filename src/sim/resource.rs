//! A pool of identical servers with one FIFO queue, and its statistics
//! measured over the window `[start + warmup, start + horizon)`
//! (docs/model.md, Measurement).
//!
//! The engine owns the service times: `arrive` and `release` only say which
//! item starts service now; the engine schedules its end.

use std::collections::VecDeque;

use crate::durations::Durations;
use crate::record::ResourceStats;
use crate::time::{SimDuration, SimTime};

/// Servers (`capacity`) and a FIFO queue of waiting items.
#[derive(Debug)]
pub struct Resource<T> {
    capacity: u32,
    busy: u32,
    queue: VecDeque<Waiting<T>>,
    window_start: SimTime,
    window_end: SimTime,
    /// The last instant the integrals were brought up to.
    last_change: SimTime,
    /// Busy servers x time inside the window [server ms].
    busy_integral: i128,
    /// Queue length x time inside the window [item ms].
    queue_integral: i128,
    queue_max: u64,
    /// Waits of the counted items that started service.
    waits: Durations,
}

#[derive(Debug)]
struct Waiting<T> {
    item: T,
    since: SimTime,
    counted: bool,
}

impl<T> Resource<T> {
    pub fn new(capacity: u32, window_start: SimTime, window_end: SimTime) -> Self {
        assert!(capacity > 0, "a resource needs at least one server");
        Resource {
            capacity,
            busy: 0,
            queue: VecDeque::new(),
            window_start,
            window_end,
            last_change: SimTime::ZERO,
            busy_integral: 0,
            queue_integral: 0,
            queue_max: 0,
            waits: Durations::new(),
        }
    }

    /// An item asks for a server at `now`. Returns it back if it starts at
    /// once; otherwise it waits. `counted` says whether its wait enters the
    /// statistics (its job is outside the warm-up).
    pub fn arrive(&mut self, now: SimTime, item: T, counted: bool) -> Option<T> {
        self.advance(now);
        if self.busy < self.capacity {
            self.busy += 1;
            if counted {
                self.waits.push(SimDuration::ZERO);
            }
            Some(item)
        } else {
            self.queue.push_back(Waiting {
                item,
                since: now,
                counted,
            });
            if self.in_window(now) {
                self.queue_max = self.queue_max.max(self.queue.len() as u64);
            }
            None
        }
    }

    /// A server finishes at `now`. Returns the next item to start, if any.
    pub fn release(&mut self, now: SimTime) -> Option<T> {
        self.advance(now);
        assert!(self.busy > 0, "released an idle resource");
        match self.queue.pop_front() {
            Some(waiting) => {
                if waiting.counted {
                    self.waits.push(now - waiting.since);
                }
                Some(waiting.item)
            }
            None => {
                self.busy -= 1;
                None
            }
        }
    }

    /// Removes the waiting items for which `remove` is true (a cancelled job's
    /// copies); returns how many went.
    pub fn remove_waiting(&mut self, now: SimTime, mut remove: impl FnMut(&T) -> bool) -> usize {
        self.advance(now);
        let before = self.queue.len();
        self.queue.retain(|waiting| !remove(&waiting.item));
        before - self.queue.len()
    }

    pub fn busy(&self) -> u32 {
        self.busy
    }

    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    /// The statistics over the window, bringing the integrals up to `end`.
    pub fn stats(&mut self, end: SimTime) -> ResourceStats {
        self.advance(end);
        let window_ms = (self.window_end - self.window_start).ms().max(1) as f64;
        ResourceStats {
            utilisation: self.busy_integral as f64 / (f64::from(self.capacity) * window_ms),
            waits: std::mem::take(&mut self.waits),
            queue_length_mean: self.queue_integral as f64 / window_ms,
            queue_length_max: self.queue_max,
        }
    }

    fn in_window(&self, time: SimTime) -> bool {
        self.window_start <= time && time < self.window_end
    }

    /// Adds the busy and queue integrals over `[last_change, now)` clipped to the window.
    fn advance(&mut self, now: SimTime) {
        let from = self.last_change.max(self.window_start);
        let to = now.min(self.window_end);
        if to > from {
            let span = i128::from((to - from).ms());
            self.busy_integral += i128::from(self.busy) * span;
            self.queue_integral += self.queue.len() as i128 * span;
        }
        if now > self.last_change {
            self.last_change = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_service_and_time_weighted_statistics() {
        // One server over a 10 ms window: a busy 0..6, b waits 2..6 then busy 6..9.
        let mut resource = Resource::new(1, SimTime::from_ms(0), SimTime::from_ms(10));
        assert_eq!(resource.arrive(SimTime::from_ms(0), "a", true), Some("a"));
        assert_eq!(resource.arrive(SimTime::from_ms(2), "b", true), None);
        assert_eq!(resource.queue_len(), 1);
        assert_eq!(resource.release(SimTime::from_ms(6)), Some("b"));
        assert_eq!(resource.release(SimTime::from_ms(9)), None);
        let stats = resource.stats(SimTime::from_ms(10));
        assert!((stats.utilisation - 0.9).abs() < 1e-12);
        assert!((stats.queue_length_mean - 0.4).abs() < 1e-12);
        assert_eq!(stats.queue_length_max, 1);
        let waits: Vec<i64> = stats.waits.sorted().iter().map(SimDuration::ms).collect();
        assert_eq!(waits, [0, 4]);
    }

    #[test]
    fn work_outside_the_window_is_not_counted() {
        let mut resource = Resource::new(2, SimTime::from_ms(10), SimTime::from_ms(20));
        resource.arrive(SimTime::from_ms(0), 1, false);
        resource.release(SimTime::from_ms(15));
        resource.arrive(SimTime::from_ms(18), 2, true);
        resource.release(SimTime::from_ms(30));
        let stats = resource.stats(SimTime::from_ms(30));
        // Busy 10..15 and 18..20 of 2 servers x 10 ms.
        assert!((stats.utilisation - 7.0 / 20.0).abs() < 1e-12);
        let waits: Vec<i64> = stats.waits.sorted().iter().map(SimDuration::ms).collect();
        assert_eq!(waits, [0]);
    }

    #[test]
    fn removed_items_never_start() {
        let mut resource = Resource::new(1, SimTime::from_ms(0), SimTime::from_ms(10));
        resource.arrive(SimTime::from_ms(0), 1, true);
        resource.arrive(SimTime::from_ms(0), 2, true);
        resource.arrive(SimTime::from_ms(0), 3, true);
        assert_eq!(
            resource.remove_waiting(SimTime::from_ms(1), |&item| item == 2),
            1
        );
        assert_eq!(resource.release(SimTime::from_ms(2)), Some(3));
    }
}
