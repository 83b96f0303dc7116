//! What the data centre holds over time: jobs in each open state, drives on
//! site (their time average and peak over the measurement window), and the
//! daily `timeseries.csv` snapshot.
//!
//! A drive is on site from carrier delivery until it is shipped back or
//! destroyed, orphans included. The window is `[start + warmup, start +
//! horizon)`; snapshots are taken at `start + warmup + k days`.

use crate::record::TimeseriesRow;
use crate::sim::engine::Engine;
use crate::sim::event::Event;
use crate::sim::sink::RecordSink;
use crate::time::{SimDuration, SimTime};

/// Counts and time-weighted statistics of the site.
#[derive(Debug)]
pub struct Site {
    /// Jobs in each of `JobState::OPEN`.
    pub jobs_in_state: [u64; 6],
    pub drives_on_site: u64,
    /// Drives on site x time inside the window [drive ms].
    on_site_integral: i128,
    pub on_site_peak: u64,
    /// The instant the integral was brought up to.
    on_site_since: SimTime,
    pub window_start: SimTime,
    window_end: SimTime,
    next_snapshot_day: u64,
}

impl Site {
    pub fn new(window_start: SimTime, window_end: SimTime) -> Site {
        Site {
            jobs_in_state: [0; 6],
            drives_on_site: 0,
            on_site_integral: 0,
            on_site_peak: 0,
            on_site_since: SimTime::ZERO,
            window_start,
            window_end,
            next_snapshot_day: 0,
        }
    }

    /// The measurement window's length.
    pub fn window(&self) -> SimDuration {
        self.window_end - self.window_start
    }

    /// Time-average drives on site over the window.
    pub fn on_site_mean(&self) -> f64 {
        self.on_site_integral as f64 / self.window().ms().max(1) as f64
    }

    /// Brings the integral up to `now`, then applies `delta`.
    fn change_on_site(&mut self, now: SimTime, delta: i64) {
        let from = self.on_site_since.max(self.window_start);
        let to = now.min(self.window_end);
        if to > from {
            self.on_site_integral += i128::from(self.drives_on_site) * i128::from((to - from).ms());
        }
        self.on_site_since = self.on_site_since.max(now);
        self.drives_on_site = self
            .drives_on_site
            .checked_add_signed(delta)
            .expect("drives on site");
        if self.window_start <= now && now < self.window_end {
            self.on_site_peak = self.on_site_peak.max(self.drives_on_site);
        }
    }

    fn next_snapshot_time(&self) -> SimTime {
        self.window_start + SimDuration::from_days(self.next_snapshot_day as i64)
    }
}

impl<S: RecordSink> Engine<S> {
    /// Drives arrived on site (`delta > 0`) or left it (`delta < 0`) now.
    pub(super) fn change_on_site(&mut self, delta: i64) {
        self.site.change_on_site(self.now, delta);
    }

    pub(super) fn on_snapshot(&mut self) {
        let row = TimeseriesRow {
            replication: self.replication,
            day: self.site.next_snapshot_day,
            time: self.now,
            jobs_in_state: self.site.jobs_in_state,
            drives_on_site: self.site.drives_on_site,
            receiving_queue: self.receiving.queue_len() as u64,
            copy_queue: self.copy.queue_len() as u64,
            packaging_queue: self.packaging.queue_len() as u64,
            receiving_busy: u64::from(self.receiving.busy()),
            copy_busy: u64::from(self.copy.busy()),
            packaging_busy: u64::from(self.packaging.busy()),
        };
        self.sink.timeseries(&row);
        self.site.next_snapshot_day += 1;
        let next = self.site.next_snapshot_time();
        self.queue.push(next, Event::Snapshot);
    }
}
