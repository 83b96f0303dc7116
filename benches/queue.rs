//! The event queue alone, in the hold model the engine follows: pop the
//! earliest event, schedule one new event a random delay later, with about
//! `pending` events always waiting.
//!
//! Run with `cargo bench --bench queue`. Each iteration is one pop and one
//! push. Delays are drawn up front from a fixed seed, so every run measures
//! the same sequence of operations:
//!
//! - `engine_mix`: the engine's mix of minutes (a copy, a package received),
//!   hours and days (lags, transit) and weeks (timeouts, retention), all
//!   within the calendar window;
//! - `with_far_tail`: the same mix where one delay in a hundred lands years
//!   ahead, past the window, so events go through the far heap.

use divan::Bencher;
use impexsim::sim::EventQueue;
use impexsim::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, SimDuration, SimTime};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

fn main() {
    divan::main();
}

/// Delays drawn once and reused cyclically (a power of two, for the mask).
const N_DELAYS: usize = 1 << 16;

/// The payload an engine event carries (a job reference and a small tag).
type Event = [u64; 2];

#[divan::bench(args = [1_000, 100_000], sample_count = 1000, sample_size = 1000)]
fn engine_mix(bencher: Bencher, pending: usize) {
    hold(bencher, pending, 0.0);
}

#[divan::bench(args = [100_000], sample_count = 1000, sample_size = 1000)]
fn with_far_tail(bencher: Bencher, pending: usize) {
    hold(bencher, pending, 0.01);
}

/// One delay [ms]: minutes to weeks; with probability `far_fraction`, years.
fn delay(rng: &mut ChaCha8Rng, far_fraction: f64) -> i64 {
    if rng.random_bool(far_fraction) {
        return rng.random_range(1..=10) * 365 * MS_PER_DAY;
    }
    match rng.random_range(0..10) {
        0..=3 => rng.random_range(MS_PER_MINUTE..=90 * MS_PER_MINUTE),
        4..=5 => rng.random_range(MS_PER_HOUR..=48 * MS_PER_HOUR),
        6..=8 => rng.random_range(MS_PER_DAY..=10 * MS_PER_DAY),
        _ => rng.random_range(14 * MS_PER_DAY..=90 * MS_PER_DAY),
    }
}

fn hold(bencher: Bencher, pending: usize, far_fraction: f64) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let delays: Vec<i64> = (0..N_DELAYS)
        .map(|_| delay(&mut rng, far_fraction))
        .collect();
    // The engine's configuration: hour-wide buckets, an end far enough away
    // that no event is dropped.
    let end = SimTime::from_ms(1_000_000 * MS_PER_DAY);
    let mut queue = EventQueue::new(end, SimDuration::from_hours(1));
    for (index, &delay) in delays.iter().cycle().take(pending).enumerate() {
        queue.push(SimTime::from_ms(delay), [index as u64, 0]);
    }
    // Warm up to a steady state: the initial spread is not the hold model's.
    let mut next = 0usize;
    let mut step = |queue: &mut EventQueue<Event>| {
        let (now, event) = queue.pop().expect("the queue holds `pending` events");
        let delay = delays[next & (N_DELAYS - 1)];
        next += 1;
        queue.push(now + SimDuration::from_ms(delay), [event[0], event[1] + 1]);
    };
    for _ in 0..pending * 2 {
        step(&mut queue);
    }
    bencher.bench_local(|| step(&mut queue));
    assert_eq!(queue.len(), pending, "the hold model keeps the size fixed");
}
