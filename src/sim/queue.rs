//! The event queue: a calendar of fixed-width time buckets in front of a
//! small binary heap, ordered by `(time, insertion sequence)`.
//!
//! Events at the same instant come out in the order they were scheduled
//! (FIFO). That makes a run a pure function of the scenario and the seed, and
//! it is the tie rule of docs/model.md, Same-instant order.
//!
//! Why buckets: a year of a million jobs keeps hundreds of thousands of
//! events pending (timers weeks ahead), and a single binary heap of that size
//! spends most of its time on cache misses. Here only the events of the
//! current bucket live in the heap; later ones are appended to their bucket's
//! vector and heapified when the clock reaches it. Push is O(1) for a later
//! bucket and O(log k) for the current one (k events in it); pop is O(log k).
//! The order is exactly that of one heap keyed by `(time, sequence)`.
//!
//! Events after `end` are dropped: the run never reaches them.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use crate::time::{SimDuration, SimTime};

/// A min-queue of events keyed by time, FIFO among equal times.
#[derive(Debug)]
pub struct EventQueue<E> {
    /// Events of the current bucket, `time < near_end`.
    near: BinaryHeap<Entry<E>>,
    /// The exclusive end of the current bucket.
    near_end: SimTime,
    /// `later[k]` holds the events of `[near_end + k w, near_end + (k + 1) w)`.
    later: VecDeque<Vec<Entry<E>>>,
    width: SimDuration,
    end: SimTime,
    next_seq: u64,
    len: usize,
}

#[derive(Debug)]
struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest entry.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

impl<E> EventQueue<E> {
    /// A queue for events in `[0, end]`, with buckets of `width`.
    pub fn new(end: SimTime, width: SimDuration) -> Self {
        assert!(width.ms() > 0, "bucket width must be positive");
        EventQueue {
            near: BinaryHeap::new(),
            near_end: SimTime::ZERO + width,
            later: VecDeque::new(),
            width,
            end,
            next_seq: 0,
            len: 0,
        }
    }

    /// Schedules `event` at `time` (never before the last popped event).
    pub fn push(&mut self, time: SimTime, event: E) {
        if time > self.end {
            return;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.len += 1;
        let entry = Entry { time, seq, event };
        if time < self.near_end {
            self.near.push(entry);
        } else {
            let index = ((time - self.near_end).ms() / self.width.ms()) as usize;
            if index >= self.later.len() {
                self.later.resize_with(index + 1, Vec::new);
            }
            self.later[index].push(entry);
        }
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.fill_near();
        let entry = self.near.pop()?;
        self.len -= 1;
        Some((entry.time, entry.event))
    }

    /// The time of the earliest event.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.fill_near();
        self.near.peek().map(|entry| entry.time)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Moves the clock's bucket forward to the first non-empty one.
    fn fill_near(&mut self) {
        while self.near.is_empty() {
            let Some(bucket) = self.later.pop_front() else {
                return;
            };
            self.near_end += self.width;
            if !bucket.is_empty() {
                self.near = BinaryHeap::from(bucket);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue<E>() -> EventQueue<E> {
        EventQueue::new(SimTime(1_000), SimDuration(4))
    }

    #[test]
    fn pops_in_time_order_and_fifo_among_ties() {
        let mut queue = queue();
        queue.push(SimTime(5), "late");
        queue.push(SimTime(1), "first at 1");
        queue.push(SimTime(30), "at 30");
        queue.push(SimTime(1), "second at 1");
        queue.push(SimTime(1), "third at 1");
        let order: Vec<_> = std::iter::from_fn(|| queue.pop()).collect();
        assert_eq!(
            order,
            [
                (SimTime(1), "first at 1"),
                (SimTime(1), "second at 1"),
                (SimTime(1), "third at 1"),
                (SimTime(5), "late"),
                (SimTime(30), "at 30"),
            ]
        );
        assert!(queue.is_empty());
    }

    #[test]
    fn events_after_the_end_are_dropped() {
        let mut queue = queue();
        queue.push(SimTime(1_001), "never");
        queue.push(SimTime(1_000), "last");
        assert_eq!(queue.len(), 1);
        assert_eq!(queue.pop(), Some((SimTime(1_000), "last")));
        assert_eq!(queue.pop(), None);
    }

    proptest::proptest! {
        /// Interleaved pushes and pops give exactly the order of one sorted
        /// list keyed by (time, insertion), across bucket boundaries.
        #[test]
        fn matches_a_sorted_reference(steps in proptest::collection::vec((0i64..60, proptest::bool::ANY), 0..300)) {
            let mut queue = EventQueue::new(SimTime(i64::MAX), SimDuration(4));
            let mut reference: Vec<(SimTime, usize)> = Vec::new();
            let mut now = 0;
            for (index, &(delay, pop)) in steps.iter().enumerate() {
                if pop {
                    let got = queue.pop();
                    let expected = (!reference.is_empty()).then(|| reference.remove(0));
                    proptest::prop_assert_eq!(got, expected);
                    if let Some((time, _)) = expected {
                        now = time.ms();
                    }
                } else {
                    let time = SimTime(now + delay);
                    queue.push(time, index);
                    let at = reference.partition_point(|&(t, i)| (t, i) <= (time, index));
                    reference.insert(at, (time, index));
                }
            }
            let rest: Vec<_> = std::iter::from_fn(|| queue.pop()).collect();
            proptest::prop_assert_eq!(rest, reference);
        }
    }
}
