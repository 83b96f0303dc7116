//! Jobs and drives in flight, and the slab that holds them.
//!
//! A `Job` is everything the engine knows about one job while it is in
//! memory: its fate (every random draw, made at creation), where its
//! lifecycle stands, and the timestamps its row will carry. The `JobSlab`
//! holds jobs by slot; a `JobRef` names a job by slot *and* the slot's
//! generation, so an event for a job that has since been written out (and
//! its slot reused) is recognised as stale.
//!
//! A job leaves memory when it is *settled* (see `Job::is_settled`): final
//! or deleted, and nothing it owns still pending. `holds` counts the pending
//! work that could still change its row: a package in transit, drives on
//! site, an export return on its way, a customer act not yet made.

use rand_chacha::ChaCha8Rng;

use crate::model::{CopyOutcome, Disposition, DriveState, EventList, JobKind, JobState};
use crate::record::JobHistory;
use crate::sim::event::DrivesRead;
use crate::sim::fate::{DriveFate, JobFate};
use crate::sim::streams::JobKey;
use crate::time::{SimDuration, SimTime, write_decimal};

/// A job in the slab, named by slot and the slot's generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobRef {
    pub slot: u32,
    pub generation: u32,
}

/// Who makes a job's customer calls and ships its package.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CustomerKind {
    /// The scenario's simulated customer: every act comes from the job's fate.
    Simulated,
    /// A client of the API makes the calls; the package goes to the carrier
    /// when a request first gives its delivery package.
    Client,
    /// A client replays a simulated customer's calls (`impexsim calls`):
    /// the package goes to the carrier when that customer would ship it.
    Replayed,
}

/// Where the job's package is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackageState {
    NotShipped,
    /// With the carrier; delivered at that time, or never.
    InTransit(Option<SimTime>),
    Delivered,
}

/// Where an orphan-drives contact stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrphanContact {
    None,
    /// Contacted at `contact_at`; `job_existed`: the job was still on record
    /// then (`Creating` or `Closed`), not gone.
    Open {
        contact_at: SimTime,
        job_existed: bool,
    },
    Over,
}

/// A job in flight.
///
/// 448 bytes aligned to 64: seven cache lines, where 464 bytes at any
/// 8-byte place spanned eight or nine; a step reads most of them
/// (prefetched one event ahead, `JobSlab::prefetch`).
#[derive(Debug)]
#[repr(align(64))]
pub struct Job {
    pub key: JobKey,
    pub name: String,
    pub customer: CustomerKind,
    pub fate: JobFate,
    pub state: JobState,
    pub state_since: SimTime,
    pub state_time: [Option<SimDuration>; 6],
    pub deleted: bool,
    pub in_warmup: bool,
    pub cancelled: bool,
    /// Cancellation accepted while `Creating` before the package was handed over.
    pub cancelled_before_shipping: bool,
    pub has_return_address: bool,
    /// The service holds the delivery package (carrier and tracking number).
    pub has_delivery_package: bool,
    pub creating_timer: u32,
    pub shipping_timer: u32,
    pub package: PackageState,
    pub orphan_contact: OrphanContact,
    /// A wrong return address was found and its contact is not yet answered.
    pub address_contact_open: bool,
    /// The copy lag is over (or the job fault resolved): drives may join the queue.
    pub copy_open: bool,
    /// Drives queued, copying, or faulted awaiting resolution.
    pub in_copy: u32,
    pub job_fault_unresolved: bool,
    pub holds: u32,
    pub faults: u32,
    pub contacts: u32,
    pub events: EventList,
    pub created_at: SimTime,
    pub shipping_at: Option<SimTime>,
    pub received_at: Option<SimTime>,
    pub transferring_at: Option<SimTime>,
    pub packaging_at: Option<SimTime>,
    pub finished_at: Option<SimTime>,
    pub deleted_at: Option<SimTime>,
    /// Deleted by the customer's Delete Job.
    pub deleted_by_customer: bool,
    pub overdue_stream: Option<Box<ChaCha8Rng>>,
    /// Recorded when the sink asks for it.
    pub history: Option<Box<JobHistory>>,
    /// Already queued for writing.
    pub settled: bool,
    pub drives: Vec<Drive>,
}

impl Job {
    /// Final or deleted, with no scheduled or queued work that could still
    /// change its row. `keep_until_deleted`: a final job also waits for its
    /// deletion (a server answers Get Job until then).
    pub fn is_settled(&self, keep_until_deleted: bool) -> bool {
        let done = if keep_until_deleted {
            self.deleted
        } else {
            self.state.is_final() || self.deleted
        };
        done && self.holds == 0
    }

    /// The job exists for Get Job at `now`: not deleted, and not past its
    /// retention.
    pub fn is_retained(&self, now: SimTime) -> bool {
        !self.deleted && self.deleted_at.is_none_or(|deleted_at| now < deleted_at)
    }
}

/// A drive in flight.
///
/// 192 bytes aligned to 64: three cache lines, where 200 unaligned bytes
/// spanned four, and an event about a drive reads all of them (prefetched
/// one event ahead, `JobSlab::prefetch`). Its size is `fate.data_bytes`.
#[derive(Clone, Debug)]
#[repr(align(64))]
pub struct Drive {
    pub fate: DriveFate,
    pub serial: u32,
    /// Not in the job's list (import packages only).
    pub extra: bool,
    /// Has a row: listed import drives always, export and extra drives once received.
    pub exists: bool,
    pub state: DriveState,
    pub on_site: bool,
    /// Arrived as part of orphan drives (their job was not `Shipping`).
    pub orphan: bool,
    pub bytes_succeeded: u64,
    pub copy_outcome: CopyOutcome,
    pub attempts: u8,
    /// The copy was given up (cancellation) or a fault went unresolved.
    pub copy_skipped: bool,
    pub fault_unresolved: bool,
    pub disposition: Option<Disposition>,
    pub destroy_pending: bool,
    pub arrived_at: Option<SimTime>,
    pub received_at: Option<SimTime>,
    pub copy_start_at: Option<SimTime>,
    pub copy_end_at: Option<SimTime>,
    pub shipped_back_at: Option<SimTime>,
    pub destroyed_at: Option<SimTime>,
    pub queued_at: Option<SimTime>,
    /// When the current copy attempt started.
    pub attempt_start: SimTime,
    /// Waiting in the copy queue.
    pub in_queue: bool,
}

/// How a drive enters a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriveRole {
    /// Listed by an import job at creation: it starts `Specified`.
    Listed,
    /// Shipped by the customer of an export job: it exists once received.
    Export,
    /// In the package but not in the job's list: it exists once received.
    Extra,
}

impl Drive {
    pub fn new(serial: u32, fate: DriveFate, role: DriveRole) -> Drive {
        let listed = role == DriveRole::Listed;
        Drive {
            fate,
            serial,
            extra: role == DriveRole::Extra,
            exists: listed,
            state: if listed {
                DriveState::Specified
            } else {
                DriveState::Received
            },
            on_site: false,
            orphan: false,
            bytes_succeeded: 0,
            copy_outcome: CopyOutcome::None,
            attempts: 0,
            copy_skipped: false,
            fault_unresolved: false,
            disposition: None,
            destroy_pending: false,
            arrived_at: None,
            received_at: None,
            copy_start_at: None,
            copy_end_at: None,
            shipped_back_at: None,
            destroyed_at: None,
            queued_at: None,
            attempt_start: SimTime::ZERO,
            in_queue: false,
        }
    }

    /// Copy attempt `attempt` (0 or 1): setup plus data over throughput
    /// (MB = 10^6 bytes).
    pub fn copy_duration(&self, attempt: usize) -> SimDuration {
        let seconds = self.fate.data_bytes as f64 / (self.fate.throughput_mb_s[attempt] * 1e6);
        self.fate.copy_setup[attempt] + SimDuration::from_ms_f64(seconds * 1000.0)
    }

    /// The bytes a copy ends with: all the data, or with errors a fraction.
    pub fn final_bytes(&self, p_errors: f64) -> u64 {
        if self.fate.outcome_draw < p_errors {
            (self.fate.data_bytes as f64 * self.fate.error_fraction).floor() as u64
        } else {
            self.fate.data_bytes
        }
    }

    /// Bytes copied `elapsed` into attempt `attempt`: they rise linearly over
    /// the data part of the attempt toward its final bytes.
    pub fn bytes_after(&self, attempt: usize, elapsed: SimDuration, p_errors: f64) -> u64 {
        let setup = self.fate.copy_setup[attempt];
        let progress = data_progress(elapsed - setup, self.copy_duration(attempt) - setup);
        (self.final_bytes(p_errors) as f64 * progress).floor() as u64
    }

    /// Processed by the receiving operators (whatever has happened since).
    pub fn is_received(&self) -> bool {
        !matches!(
            self.state,
            DriveState::Specified | DriveState::NeverReceived
        )
    }
}

/// How far through the data part of a copy `elapsed` (after setup) is, in [0, 1].
fn data_progress(elapsed: SimDuration, data_time: SimDuration) -> f64 {
    if data_time.ms() > 0 {
        (elapsed.ms() as f64 / data_time.ms() as f64).clamp(0.0, 1.0)
    } else {
        1.0
    }
}

/// An 8-hex-digit serial, unique within a replication for the first 24
/// million root jobs: a bijective mix of `root * 11 + index` (at most 11
/// drives a job with its extra drive), with the generation in the top bits.
pub fn drive_serial(key: JobKey, index: usize) -> u32 {
    let counter = (key.root as u32)
        .wrapping_mul(11)
        .wrapping_add(index as u32)
        ^ (key.generation << 28);
    // A 32-bit invertible hash (xor-shift and odd multipliers are bijections).
    let mut x = counter ^ 0x9e37_79b9;
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^= x >> 16;
    x
}

/// A new job's drives: one per drive fate, listed (import) or shipped
/// (export), with `serials` when a request gave them, then an import's
/// extra drive when its fate has one.
pub fn job_drives(
    key: JobKey,
    fate: &JobFate,
    drive_fates: Vec<DriveFate>,
    serials: Option<&[u32]>,
) -> Vec<Drive> {
    let is_import = fate.kind == JobKind::Import;
    let with_extra = is_import && fate.has_extra_drive;
    let role = if is_import {
        DriveRole::Listed
    } else {
        DriveRole::Export
    };
    let mut drives = Vec::with_capacity(drive_fates.len() + usize::from(with_extra));
    for (index, drive_fate) in drive_fates.into_iter().enumerate() {
        let serial = match serials {
            Some(serials) => serials[index],
            None => drive_serial(key, index),
        };
        drives.push(Drive::new(serial, drive_fate, role));
    }
    if with_extra {
        let extra_fate = DriveFate {
            data_bytes: fate.extra_drive_bytes,
            ..DriveFate::default()
        };
        drives.push(Drive::new(
            drive_serial(key, drives.len()),
            extra_fate,
            DriveRole::Extra,
        ));
    }
    drives
}

/// The name of the job with stream key `key` when the engine names it.
pub fn job_name(key: JobKey) -> String {
    // `format!("job-{:07}", root)` (and `-r{generation}`) without the
    // formatting machinery, which showed in profiles at one call per job.
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(key.root).as_bytes();
    let mut name = Vec::with_capacity(24);
    name.extend_from_slice(b"job-");
    name.resize(name.len() + 7usize.saturating_sub(digits.len()), b'0');
    name.extend_from_slice(digits);
    if key.generation > 0 {
        name.extend_from_slice(b"-r");
        write_decimal(&mut name, u64::from(key.generation));
    }
    String::from_utf8(name).expect("ascii")
}

/// Adds the time spent in the job's current state (if open) up to `now`.
pub fn accrue_state_time(job: &mut Job, now: SimTime) {
    if let Some(index) = job.state.open_index() {
        let spent = now - job.state_since;
        let total = job.state_time[index].get_or_insert(SimDuration::ZERO);
        *total = *total + spent;
    }
    job.state_since = now;
}

/// How much of a job's drive list `JobSlab::prefetch` asks for when the
/// event may read some of it (`DrivesRead::Some`): the first drive's lines.
/// Asking for the whole list on every event measured slower, at a million
/// jobs 10.0-11.6 s against 8.6-9.5 s of engine time: too many outstanding
/// fetches stall the processor. Events that read every drive ask for all
/// of it (`DrivesRead::All`), and that paid: 0.93 of the wall time.
const DRIVE_PREFETCH_BYTES: usize = 256;

/// Jobs in flight by slot. A slot is reused once its job is written out,
/// with its generation bumped so stale `JobRef`s miss.
#[derive(Debug, Default)]
pub struct JobSlab {
    slots: Vec<Option<Job>>,
    generations: Vec<u32>,
    /// Where each slot's job keeps its drives (address, bytes), for
    /// `prefetch`: a job's drive list never changes after its creation.
    drive_memory: Vec<(usize, usize)>,
    free: Vec<u32>,
    live: u64,
}

impl JobSlab {
    /// Jobs in the slab.
    pub fn len(&self) -> u64 {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    pub fn insert(&mut self, job: Job) -> JobRef {
        self.live += 1;
        let drive_memory = (
            job.drives.as_ptr() as usize,
            std::mem::size_of_val(job.drives.as_slice()),
        );
        if let Some(slot) = self.free.pop() {
            self.slots[slot as usize] = Some(job);
            self.drive_memory[slot as usize] = drive_memory;
            JobRef {
                slot,
                generation: self.generations[slot as usize],
            }
        } else {
            let slot = u32::try_from(self.slots.len()).expect("too many jobs in flight");
            self.slots.push(Some(job));
            self.generations.push(0);
            self.drive_memory.push(drive_memory);
            JobRef {
                slot,
                generation: 0,
            }
        }
    }

    /// Takes the job out; its slot is free for the next job.
    pub fn remove(&mut self, j: JobRef) -> Job {
        let job = self.slots[j.slot as usize].take().expect("live job");
        let generation = &mut self.generations[j.slot as usize];
        *generation = generation.wrapping_add(1);
        self.free.push(j.slot);
        self.live -= 1;
        job
    }

    /// `j` still names the job it was made for.
    pub fn contains(&self, j: JobRef) -> bool {
        self.generations[j.slot as usize] == j.generation && self.slots[j.slot as usize].is_some()
    }

    /// Asks the processor to bring `j`'s slot and the drives its next event
    /// reads into cache ahead of their use (a hint: a stale `j` only wastes
    /// it): one drive's lines, the whole list, or, where the event may read
    /// some, the first drive's.
    pub fn prefetch(&self, j: JobRef, drives: DrivesRead) {
        let slot = j.slot as usize;
        if let (Some(job), Some(&(start, bytes))) =
            (self.slots.get(slot), self.drive_memory.get(slot))
        {
            let job = (job as *const Option<Job>).cast::<u8>();
            prefetch_lines(job, std::mem::size_of::<Option<Job>>());
            let (offset, length) = match drives {
                DrivesRead::One(d) => {
                    let size = std::mem::size_of::<Drive>();
                    (usize::from(d) * size, size)
                }
                DrivesRead::All => (0, bytes),
                DrivesRead::Some => (0, bytes.min(DRIVE_PREFETCH_BYTES)),
            };
            let start = std::ptr::without_provenance::<u8>(start).wrapping_add(offset);
            prefetch_lines(start, length.min(bytes.saturating_sub(offset)));
        }
    }

    /// Asks for what `contains` and `prefetch` read of `j`'s slot, one
    /// step before `prefetch` (a hint, like it).
    pub fn prefetch_entry(&self, j: JobRef) {
        let slot = j.slot as usize;
        if slot < self.slots.len() {
            prefetch_lines(self.generations.as_ptr().wrapping_add(slot).cast(), 1);
            prefetch_lines(self.drive_memory.as_ptr().wrapping_add(slot).cast(), 1);
        }
    }

    pub fn get(&self, j: JobRef) -> &Job {
        self.slots[j.slot as usize].as_ref().expect("live job")
    }

    pub fn get_mut(&mut self, j: JobRef) -> &mut Job {
        self.slots[j.slot as usize].as_mut().expect("live job")
    }

    /// Every job in the slab, in slot order.
    pub fn refs(&self) -> impl Iterator<Item = JobRef> + '_ {
        (0..self.slots.len())
            .filter(|&slot| self.slots[slot].is_some())
            .map(|slot| JobRef {
                slot: slot as u32,
                generation: self.generations[slot],
            })
    }
}

/// Asks for the cache lines of `bytes` bytes at `start` (a hint that never
/// faults, whatever the address; nothing elsewhere than x86-64).
#[inline]
fn prefetch_lines(start: *const u8, bytes: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        for offset in (0..bytes).step_by(64) {
            // SAFETY: a prefetch reads nothing and never faults, whatever the
            // address; it only asks the processor to fetch a line.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(offset).cast::<i8>()) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (start, bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drive_is_three_cache_lines_and_a_job_seven() {
        assert_eq!(std::mem::size_of::<Drive>(), 3 * 64);
        assert_eq!(std::mem::align_of::<Drive>(), 64);
        assert_eq!(std::mem::size_of::<Option<Job>>(), 7 * 64);
        assert_eq!(std::mem::align_of::<Option<Job>>(), 64);
    }

    #[test]
    fn job_names_match_the_formatted_text() {
        for root in [0, 7, 17, 1_234_567, 12_345_678, u64::from(u32::MAX)] {
            for generation in [0, 1, 12] {
                let expected = if generation == 0 {
                    format!("job-{root:07}")
                } else {
                    format!("job-{root:07}-r{generation}")
                };
                assert_eq!(job_name(JobKey { root, generation }), expected);
            }
        }
    }
}
