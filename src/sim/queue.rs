//! The event queue: a binary heap ordered by `(time, insertion sequence)`.
//!
//! Events at the same instant come out in the order they were scheduled
//! (FIFO). That makes a run a pure function of the scenario and the seed, and
//! it is the tie rule SPEC 1.5 fixes ("events at the same instant run in the
//! order they were scheduled"). Push and pop are O(log n).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::time::SimTime;

/// A min-queue of events keyed by time, FIFO among equal times.
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
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

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Schedules `event` at `time`.
    pub fn push(&mut self, time: SimTime, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { time, seq, event });
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.heap.pop().map(|entry| (entry.time, entry.event))
    }

    /// The time of the earliest event.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|entry| entry.time)
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order_and_fifo_among_ties() {
        let mut queue = EventQueue::new();
        queue.push(SimTime(5), "late");
        queue.push(SimTime(1), "first at 1");
        queue.push(SimTime(3), "at 3");
        queue.push(SimTime(1), "second at 1");
        queue.push(SimTime(1), "third at 1");
        let order: Vec<_> = std::iter::from_fn(|| queue.pop()).collect();
        assert_eq!(
            order,
            [
                (SimTime(1), "first at 1"),
                (SimTime(1), "second at 1"),
                (SimTime(1), "third at 1"),
                (SimTime(3), "at 3"),
                (SimTime(5), "late"),
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn output_is_sorted_by_time_then_insertion(times in proptest::collection::vec(0i64..20, 0..200)) {
            let mut queue = EventQueue::new();
            for (index, &time) in times.iter().enumerate() {
                queue.push(SimTime(time), index);
            }
            let mut expected: Vec<_> = times.iter().enumerate().map(|(i, &t)| (SimTime(t), i)).collect();
            expected.sort();
            let got: Vec<_> = std::iter::from_fn(|| queue.pop()).collect();
            proptest::prop_assert_eq!(got, expected);
        }
    }
}
