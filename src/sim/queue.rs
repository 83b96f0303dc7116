//! The event queue: a calendar of fixed-width time buckets for a window
//! ahead of the clock, the current bucket sorted, and a binary heap behind
//! for everything past the window. Ordered by `(time, insertion sequence)`.
//!
//! Events at the same instant come out in the order they were scheduled
//! (FIFO). That makes a run a pure function of the scenario and the seed, and
//! it is the tie rule of the model (docs/model.md, Same-instant order).
//!
//! Why buckets: a year of a million jobs keeps hundreds of thousands of
//! events pending (timers weeks ahead), and a single binary heap of that size
//! spends most of its time on cache misses. Here later events within the
//! window are appended to their bucket's vector; when the clock reaches a
//! bucket it is sorted once (`current`, popped off its end), and the few
//! events pushed into the current bucket after that wait in a small heap
//! (`near`); a pop takes the earlier of the two. Push is O(1) for a later
//! bucket and O(log k) for the current one (k events pushed into it); pop
//! is O(1) from `current` (after an O(n log n) sort of n events, once) and
//! O(log k) from `near`. The bucket width is a power of two of
//! milliseconds, so a bucket index is a shift, not a division.
//!
//! Why a window: buckets exist only for the next `window` bucket widths
//! (about six months with the engine's buckets of about an hour, longer
//! than every timer of the baseline), so the calendar never holds more than
//! `window` buckets however far ahead an event is scheduled. Events past the
//! window wait in the heap `far` and move into their bucket as the window
//! reaches them; when nothing is left within the window the clock jumps
//! straight to the bucket of the earliest far event. Memory is therefore at
//! most `window` buckets plus an amount in proportion to the pending events
//! (the most ever pending: vectors keep their capacity), whatever the
//! events' times, and a pop never walks more than `window` empty buckets.
//!
//! The order is exactly that of one heap keyed by `(time, sequence)`: every
//! event of the current bucket (`current` and `near`) is earlier than every
//! event in the calendar, and every calendar event earlier than every event
//! in `far`, so the earliest event is the earlier of the end of `current`
//! and the top of `near`.
//!
//! Events after `end` are dropped: the run never reaches them.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};

use crate::time::{SimDuration, SimTime};

/// Buckets of the calendar window used by `EventQueue::new`: 4096 buckets
/// of about an hour (2^22 ms) are about 199 days, past the baseline's
/// longest timer (90 days), at 24 bytes a bucket (96 KiB) when every one is
/// in use.
const WINDOW_BUCKETS: usize = 4096;

/// Buckets of at least this many events are sorted by radix (their keys are
/// unique, so any sort gives the same order). A million jobs' buckets hold
/// about 1,650 events, where the radix sort took 0.95 of the wall time;
/// 100,000 jobs' about 165, where the comparison sort is as fast.
const RADIX_SORT_FROM: usize = 1024;

/// A min-queue of events keyed by time, FIFO among equal times.
#[derive(Debug)]
pub struct EventQueue<E> {
    /// Events of the current bucket as it stood when the clock reached it,
    /// sorted latest first: the earliest is popped off the end.
    current: Vec<Entry<E>>,
    /// Events pushed into the current bucket since it became current.
    /// Every pending event before `near_end` is in `current` or `near`.
    near: BinaryHeap<Entry<E>>,
    /// The exclusive end of the current bucket.
    near_end: SimTime,
    /// `later[k]` holds the events of `[near_end + k w, near_end + (k + 1) w)`;
    /// `later.len() <= window`, and its last bucket is never empty.
    later: VecDeque<Vec<Entry<E>>>,
    /// Events at or after `near_end + window w`, the end of the calendar.
    far: BinaryHeap<Entry<E>>,
    /// The bucket width `w` is `2^shift` ms, so a bucket index is a shift.
    shift: u32,
    /// Buckets in the calendar at most.
    window: usize,
    end: SimTime,
    next_seq: u64,
    len: usize,
    /// Reused by `sorted_latest_first`.
    sort_keys: Vec<u64>,
}

#[derive(Clone, Copy, Debug)]
struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    fn key(&self) -> (SimTime, u64) {
        (self.time, self.seq)
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
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
        other.key().cmp(&self.key())
    }
}

impl<E: Copy> EventQueue<E> {
    /// A queue for events in `[0, end]`, with buckets of `width` rounded up
    /// to a power of two of milliseconds, and a calendar window of 4096 of
    /// them.
    pub fn new(end: SimTime, width: SimDuration) -> Self {
        Self::with_window(end, width, WINDOW_BUCKETS)
    }

    /// A queue whose calendar spans `window` buckets of `width` (rounded up
    /// to a power of two) ahead of the current one (0: every later event
    /// waits in the far heap).
    fn with_window(end: SimTime, width: SimDuration, window: usize) -> Self {
        assert!(width.ms() > 0, "bucket width must be positive");
        let width = (width.ms() as u64).next_power_of_two();
        let shift = width.trailing_zeros();
        assert!(
            i64::try_from(width)
                .ok()
                .and_then(|width| end.ms().checked_add(width))
                .is_some(),
            "the end plus one bucket must be a representable time"
        );
        EventQueue {
            current: Vec::new(),
            near: BinaryHeap::new(),
            near_end: SimTime::from_ms(1 << shift),
            later: VecDeque::new(),
            far: BinaryHeap::new(),
            shift,
            window,
            end,
            next_seq: 0,
            len: 0,
            sort_keys: Vec::new(),
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
            match self.calendar_index(time) {
                Some(index) => self.push_later(index, entry),
                None => self.far.push(entry),
            }
        }
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.fill_near();
        let entry = if self.current_is_next()? {
            self.current.pop()
        } else {
            self.near.pop()
        }?;
        self.len -= 1;
        Some((entry.time, entry.event))
    }

    /// The time of the earliest event.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.fill_near();
        self.peek_entry().map(|entry| entry.time)
    }

    /// The earliest event of the current bucket, if it holds any: the next
    /// to pop unless an earlier one is pushed first. It never moves the
    /// calendar.
    pub fn peek_near(&self) -> Option<&E> {
        self.peek_entry().map(|entry| &entry.event)
    }

    /// The event after the earliest in the current bucket's sorted
    /// events, if any: a guess at the event after next (an event pushed
    /// in between, or one in `near`, may come first), for fetching its
    /// memory early.
    pub fn peek_after_next(&self) -> Option<&E> {
        let index = self.current.len().checked_sub(2)?;
        Some(&self.current[index].event)
    }

    /// Pending events.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the earliest event of the current bucket is the end of
    /// `current` (rather than the top of `near`); `None` when both are empty.
    #[inline]
    fn current_is_next(&self) -> Option<bool> {
        match (self.current.last(), self.near.peek()) {
            (Some(current), Some(near)) => Some(current.key() < near.key()),
            (Some(_), None) => Some(true),
            (None, Some(_)) => Some(false),
            (None, None) => None,
        }
    }

    fn peek_entry(&self) -> Option<&Entry<E>> {
        if self.current_is_next()? {
            self.current.last()
        } else {
            self.near.peek()
        }
    }

    /// The calendar bucket of `time` (at or after `near_end`), or `None`
    /// when it lies past the window.
    fn calendar_index(&self, time: SimTime) -> Option<usize> {
        // Both times lie in [0, end + width], so the difference cannot overflow.
        let buckets_ahead = (time - self.near_end).ms() >> self.shift;
        usize::try_from(buckets_ahead)
            .ok()
            .filter(|&index| index < self.window)
    }

    fn push_later(&mut self, index: usize, entry: Entry<E>) {
        if index >= self.later.len() {
            self.later.resize_with(index + 1, Vec::new);
        }
        self.later[index].push(entry);
    }

    /// Makes the current bucket hold the earliest event, if any is pending.
    #[inline]
    fn fill_near(&mut self) {
        if self.current.is_empty() && self.near.is_empty() {
            self.advance_near();
        }
    }

    /// Moves the clock's bucket forward to the first non-empty one. Out of
    /// line: most pops find the current bucket non-empty.
    #[inline(never)]
    fn advance_near(&mut self) {
        let width = 1i64 << self.shift;
        while self.current.is_empty() && self.near.is_empty() {
            if let Some(bucket) = self.later.pop_front() {
                self.near_end += SimDuration::from_ms(width);
                if !bucket.is_empty() {
                    // The sorted events take a vector of their own and the
                    // bucket's is freed: handing an emptied one to a later
                    // bucket would spread the busiest bucket's capacity
                    // over the whole window.
                    self.current = self.sorted_latest_first(bucket);
                }
            } else if let Some(first) = self.far.peek() {
                // Nothing within the window: jump to the earliest far event's bucket.
                let time = first.time.ms();
                let bucket_start = time - time.rem_euclid(width);
                self.near_end = SimTime::from_ms(bucket_start) + SimDuration::from_ms(width);
            } else {
                return;
            }
            self.pull_far();
        }
    }

    /// The events of the bucket that ends at `near_end`, sorted latest
    /// first, so that popping the earliest is a pop off the end.
    ///
    /// Within a bucket, events of equal time lie in the order they were
    /// scheduled: those pulled from `far` come first, in `(time, sequence)`
    /// order, and every later one was pushed after them. So the order of
    /// `(time, position in the bucket)` is that of `(time, sequence)`, and
    /// it fits one `u64` (the time's offset in the bucket above, the
    /// position below): sorting those and gathering the entries takes
    /// about half the instructions of sorting the entries by their keys.
    fn sorted_latest_first(&mut self, mut bucket: Vec<Entry<E>>) -> Vec<Entry<E>> {
        let fits = self.shift <= 32 && u32::try_from(bucket.len()).is_ok();
        if !fits {
            // Keys are unique, so the order is total.
            bucket.sort_unstable_by_key(|entry| Reverse(entry.key()));
            return bucket;
        }
        let bucket_start = self.near_end.ms() - (1i64 << self.shift);
        let keys = &mut self.sort_keys;
        keys.clear();
        keys.extend(bucket.iter().enumerate().map(|(position, entry)| {
            let offset = (entry.time.ms() - bucket_start) as u64;
            (offset << 32) | position as u64
        }));
        if keys.len() >= RADIX_SORT_FROM {
            radsort::sort(keys);
        } else {
            keys.sort_unstable();
        }
        keys.iter()
            .rev()
            .map(|&key| bucket[key as u32 as usize])
            .collect()
    }

    /// Moves the far events that the window now reaches into their buckets.
    fn pull_far(&mut self) {
        while let Some(first) = self.far.peek() {
            let time = first.time;
            if time < self.near_end {
                // Only after a jump: the earliest far events are now current.
                let entry = self.far.pop().expect("peeked");
                self.near.push(entry);
            } else if let Some(index) = self.calendar_index(time) {
                let entry = self.far.pop().expect("peeked");
                self.push_later(index, entry);
            } else {
                return;
            }
        }
    }

    /// Slots allocated for buckets and for entries: what the queue holds in
    /// memory beyond its fixed size.
    #[cfg(test)]
    fn footprint(&self) -> Footprint {
        Footprint {
            buckets: self.later.capacity(),
            entries: self.current.capacity()
                + self.near.capacity()
                + self.far.capacity()
                + self.later.iter().map(Vec::capacity).sum::<usize>(),
            far_len: self.far.len(),
        }
    }
}

/// What `EventQueue::footprint` counts.
#[cfg(test)]
#[derive(Debug)]
struct Footprint {
    /// Bucket slots of the calendar.
    buckets: usize,
    /// Entry slots of every vector and heap.
    entries: usize,
    /// Events waiting in the far heap.
    far_len: usize,
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::time::{MS_PER_DAY, MS_PER_HOUR};

    fn queue<E: Copy>() -> EventQueue<E> {
        EventQueue::new(SimTime::from_ms(1_000), SimDuration::from_ms(4))
    }

    #[test]
    fn pops_in_time_order_and_fifo_among_ties() {
        let mut queue = queue();
        queue.push(SimTime::from_ms(5), "late");
        queue.push(SimTime::from_ms(1), "first at 1");
        queue.push(SimTime::from_ms(30), "at 30");
        queue.push(SimTime::from_ms(1), "second at 1");
        queue.push(SimTime::from_ms(1), "third at 1");
        let order: Vec<_> = std::iter::from_fn(|| queue.pop()).collect();
        assert_eq!(
            order,
            [
                (SimTime::from_ms(1), "first at 1"),
                (SimTime::from_ms(1), "second at 1"),
                (SimTime::from_ms(1), "third at 1"),
                (SimTime::from_ms(5), "late"),
                (SimTime::from_ms(30), "at 30"),
            ]
        );
        assert!(queue.is_empty());
    }

    #[test]
    fn a_bucket_sorted_by_radix_pops_in_time_order_and_fifo_among_ties() {
        // Every event lands in the bucket after the first, so that bucket
        // holds twice `RADIX_SORT_FROM` events when the clock reaches it.
        let mut queue = EventQueue::new(SimTime::from_ms(1 << 20), SimDuration::from_ms(1 << 16));
        let events = 2 * RADIX_SORT_FROM;
        let time = |index: usize| SimTime::from_ms((1 << 16) + (index * 7919 % 64) as i64);
        for index in 0..events {
            queue.push(time(index), index);
        }
        let mut expected: Vec<_> = (0..events).map(|index| (time(index), index)).collect();
        expected.sort_by_key(|&(time, index)| (time, index));
        let order: Vec<_> = std::iter::from_fn(|| queue.pop()).collect();
        assert_eq!(order, expected);
    }

    #[test]
    fn events_after_the_end_are_dropped() {
        let mut queue = queue();
        queue.push(SimTime::from_ms(1_001), "never");
        queue.push(SimTime::from_ms(1_000), "last");
        assert_eq!(queue.len(), 1);
        assert_eq!(queue.pop(), Some((SimTime::from_ms(1_000), "last")));
        assert_eq!(queue.pop(), None);
    }

    /// Ties stay FIFO when some of them waited in the far heap and the
    /// others were pushed once the window had reached their time.
    #[test]
    fn ties_split_between_far_heap_and_calendar_stay_fifo() {
        // A window of 2 buckets of 4 ms: from the current bucket [0, 4) it
        // spans [4, 12); 13 and 20 lie past it, in the far heap.
        let mut queue =
            EventQueue::with_window(SimTime::from_ms(1_000), SimDuration::from_ms(4), 2);
        queue.push(SimTime::from_ms(20), "first at 20");
        queue.push(SimTime::from_ms(20), "second at 20");
        queue.push(SimTime::from_ms(9), "at 9");
        queue.push(SimTime::from_ms(13), "at 13");
        assert_eq!(queue.footprint().far_len, 3);
        // Reaching 9 makes [8, 12) current: the window spans [12, 20) and 13
        // moves into its bucket, where 15 joins it.
        assert_eq!(queue.pop(), Some((SimTime::from_ms(9), "at 9")));
        assert_eq!(queue.footprint().far_len, 2);
        queue.push(SimTime::from_ms(15), "at 15");
        // Reaching 13 makes [12, 16) current: the window spans [16, 24) and
        // the two far events move into their bucket, [20, 24).
        assert_eq!(queue.pop(), Some((SimTime::from_ms(13), "at 13")));
        assert_eq!(queue.footprint().far_len, 0);
        queue.push(SimTime::from_ms(20), "third at 20");
        queue.push(SimTime::from_ms(18), "at 18");
        let order: Vec<_> = std::iter::from_fn(|| queue.pop()).collect();
        assert_eq!(
            order,
            [
                (SimTime::from_ms(15), "at 15"),
                (SimTime::from_ms(18), "at 18"),
                (SimTime::from_ms(20), "first at 20"),
                (SimTime::from_ms(20), "second at 20"),
                (SimTime::from_ms(20), "third at 20"),
            ]
        );
    }

    /// Issue 10: the calendar allocated one bucket per hour up to the
    /// farthest pending event, so three jobs over 10^7 days took 1.9 GB and
    /// 10^8 days aborted on a 19 GB allocation. With the engine's hour-wide
    /// buckets, the same handful of events spread over 1 day to 10^8 days
    /// must fit one budget whatever the span, and still come out in order.
    #[test]
    fn memory_does_not_follow_simulated_time() {
        const N_EVENTS: i64 = 6;
        // At most 8192 bucket slots (24 bytes each, 192 KiB): the window's
        // 4096 buckets with the deque's growth. Before the fix a span of
        // 1,000 days needed 24,000 and one of 10^8 days 2.4 * 10^9.
        const MAX_BUCKET_SLOTS: usize = 8192;
        // Vec and BinaryHeap allocate at least 4 slots and at most double
        // what they hold, and each event sits in one of them: a bucket (the
        // current one among them), the current bucket's heap or the far
        // heap, of which at most N_EVENTS + 2 are allocated. So at most 4
        // slots per container.
        let max_entry_slots = 4 * (N_EVENTS as usize + 2);
        for span_days in [1, 1_000, 100_000, 10_000_000, 100_000_000] {
            let span = span_days * MS_PER_DAY;
            let end = SimTime::from_ms(span + 400 * MS_PER_DAY);
            let mut queue = EventQueue::new(end, SimDuration::from_ms(MS_PER_HOUR));
            // The farthest first: the push that made the old calendar
            // allocate every bucket up to it.
            let times: Vec<SimTime> = (0..N_EVENTS)
                .rev()
                .map(|k| SimTime::from_ms(span * k / (N_EVENTS - 1)))
                .collect();
            for (index, &time) in times.iter().enumerate() {
                queue.push(time, index);
            }
            let mut popped = Vec::new();
            loop {
                let footprint = queue.footprint();
                assert!(
                    footprint.buckets <= MAX_BUCKET_SLOTS,
                    "span {span_days} days: {footprint:?}"
                );
                assert!(
                    footprint.entries <= max_entry_slots,
                    "span {span_days} days: {footprint:?}"
                );
                let Some((time, _)) = queue.pop() else { break };
                popped.push(time);
            }
            let mut expected = times.clone();
            expected.sort();
            assert_eq!(popped, expected, "span {span_days} days");
        }
    }

    /// A bucket keeps its own allocation. Handing emptied bucket vectors on
    /// to later buckets spread the busiest buckets' capacity over the whole
    /// window: a million jobs took 279 MiB instead of 212.
    #[test]
    fn busy_buckets_do_not_inflate_the_buckets_after_them() {
        const BUSY: usize = 64;
        const PER_BUSY: usize = 1_000;
        const SPARSE: usize = 4_000;
        let mut queue = EventQueue::new(NO_END, SimDuration::from_ms(4));
        for b in 0..BUSY {
            for k in 0..PER_BUSY {
                queue.push(SimTime::from_ms(8 + 4 * b as i64), k);
            }
        }
        for _ in 0..BUSY * PER_BUSY {
            queue.pop();
        }
        let now = 8 + 4 * BUSY as i64;
        for b in 0..SPARSE {
            queue.push(SimTime::from_ms(now + 4 * (b as i64 + 1)), b);
        }
        // Each sparse bucket holds one event in at least 4 slots; the
        // last busy bucket (now current and empty) keeps at most twice
        // its 1,000 events. Spread busy capacity would be 64,000 more.
        let footprint = queue.footprint();
        let allowed = 4 * SPARSE + 2 * PER_BUSY + 64;
        assert!(
            footprint.entries <= allowed,
            "{footprint:?}, allowed {allowed}"
        );
        assert_eq!(std::iter::from_fn(|| queue.pop()).count(), SPARSE);
    }

    /// Interleaved pushes at `now + delay` and pops give exactly the order
    /// of one sorted list keyed by (time, insertion).
    fn check_against_sorted_reference(
        mut queue: EventQueue<usize>,
        steps: &[(i64, bool)],
    ) -> Result<(), TestCaseError> {
        let mut reference: Vec<(SimTime, usize)> = Vec::new();
        let mut now = 0;
        for (index, &(delay, pop)) in steps.iter().enumerate() {
            if pop {
                let got = queue.pop();
                let expected = (!reference.is_empty()).then(|| reference.remove(0));
                prop_assert_eq!(got, expected);
                if let Some((time, _)) = expected {
                    now = time.ms();
                }
            } else {
                let time = SimTime::from_ms(now + delay);
                queue.push(time, index);
                let at = reference.partition_point(|&(t, i)| (t, i) <= (time, index));
                reference.insert(at, (time, index));
            }
            prop_assert_eq!(queue.len(), reference.len());
        }
        let rest: Vec<_> = std::iter::from_fn(|| queue.pop()).collect();
        prop_assert_eq!(rest, reference);
        Ok(())
    }

    /// The latest end a queue with buckets of 4 ms accepts, so nothing the
    /// tests push is dropped.
    const NO_END: SimTime = SimTime::from_ms(i64::MAX - 4);

    /// Delays [ms] for queues with buckets of 4 ms and windows of at most 5
    /// buckets: within a bucket, around the window's end, and anywhere in
    /// 10^8 days (far past it).
    fn mixed_delay() -> impl Strategy<Value = i64> {
        prop_oneof![
            4 => 0i64..8,
            4 => 0i64..40,
            1 => 0i64..100_000_000 * MS_PER_DAY,
        ]
    }

    proptest! {
        /// The default window, delays across bucket boundaries.
        #[test]
        fn matches_a_sorted_reference(steps in proptest::collection::vec((0i64..60, any::<bool>()), 0..300)) {
            check_against_sorted_reference(EventQueue::new(NO_END, SimDuration::from_ms(4)), &steps)?;
        }

        /// Windows of 0 to 5 buckets, delays that cross the calendar's end
        /// both ways and spread over 10^8 days: events move from the far heap
        /// into the calendar, and the clock jumps over empty stretches.
        #[test]
        fn matches_a_sorted_reference_across_the_window(
            window in 0usize..6,
            steps in proptest::collection::vec((mixed_delay(), any::<bool>()), 0..300),
        ) {
            check_against_sorted_reference(EventQueue::with_window(NO_END, SimDuration::from_ms(4), window), &steps)?;
        }

        /// Most pushes land in the next bucket of 2^16 ms, a few ms apart
        /// (ties), so buckets of more than `RADIX_SORT_FROM` events are
        /// sorted by radix, in the same order.
        #[test]
        fn matches_a_sorted_reference_with_buckets_sorted_by_radix(
            steps in proptest::collection::vec(
                (
                    prop_oneof![4 => (1i64 << 16)..(1 << 16) + 64, 1 => 0i64..1 << 18],
                    proptest::bool::weighted(0.05),
                ),
                2 * RADIX_SORT_FROM..3 * RADIX_SORT_FROM,
            ),
        ) {
            let width = 1i64 << 16;
            let end = SimTime::from_ms(i64::MAX - width);
            let queue = EventQueue::with_window(end, SimDuration::from_ms(width), 4);
            check_against_sorted_reference(queue, &steps)?;
        }

        /// Buckets of 2^33 ms, wider than the 32 bits a time's offset has in
        /// the one-key sort: the entries are sorted by their own keys, in
        /// the same order. Delays of whole 2^31 ms give ties and cross
        /// buckets and the window of 2.
        #[test]
        fn matches_a_sorted_reference_with_buckets_too_wide_for_the_key_sort(
            steps in proptest::collection::vec(
                (prop_oneof![0i64..3, (0i64..12).prop_map(|k| k << 31)], any::<bool>()),
                0..300,
            ),
        ) {
            let width = 1i64 << 33;
            let end = SimTime::from_ms(i64::MAX - width);
            check_against_sorted_reference(EventQueue::with_window(end, SimDuration::from_ms(width), 2), &steps)?;
        }
    }
}
