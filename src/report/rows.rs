//! Streaming CSV writers: `jobs.csv`, `drives.csv`, `timeseries.csv`, `events.csv`.
//!
//! Each writer writes its header when built and one line per `write` call.
//! Lines are built in one reused buffer and handed to the writer 64 KiB at
//! a time (and the rest at `finish`), so a row costs no allocation and no
//! call into the writer.
//! Columns are part of the contract (README, Outputs): new ones go at the end.

use std::io::{self, Write};

use crate::model::EventKind;
use crate::record::{DriveRecord, JobRecord, TimeseriesRow, TraceEvent, TraceState};
use crate::time::{
    Clock, SimDuration, SimTime, TimestampText, TimestampWriter, write_days, write_decimal,
};

/// The header line of `jobs.csv` (without the line break).
pub const JOBS_HEADER: &str = "replication,job,job_type,drives,extra_drives,outcome,cancelled,\
faults,created_at,shipping_at,received_at,transferring_at,packaging_at,finished_at,deleted_at,\
deletion_reason,end_to_end_days,events";

/// The header line of `drives.csv` (without the line break).
pub const DRIVES_HEADER: &str = "replication,job,drive,extra,final_state,disposition,data_bytes,\
bytes_succeeded,copy_outcome,arrived_at,received_at,copy_start_at,copy_end_at,shipped_back_at,\
destroyed_at,queued_at";

/// The header line of `timeseries.csv` (without the line break).
pub const TIMESERIES_HEADER: &str = "replication,day,time,creating,shipping,received,\
transferring,packaging,faulted,drives_on_site,receiving_queue,copy_queue,packaging_queue,\
receiving_busy,copy_busy,packaging_busy";

/// The header line of `events.csv` (without the line break).
pub const EVENTS_HEADER: &str = "time,replication,job,drive,entity,from,to,cause";

/// Writes `jobs.csv`: one line per `JobRecord`.
pub struct JobsWriter<W: Write> {
    out: W,
    line: Line,
}

/// Writes `drives.csv`: one line per `DriveRecord`.
pub struct DrivesWriter<W: Write> {
    out: W,
    line: Line,
}

/// Writes `timeseries.csv`: one line per `TimeseriesRow`.
pub struct TimeseriesWriter<W: Write> {
    out: W,
    line: Line,
}

/// Writes `events.csv` (`--trace`): one line per `TraceEvent`.
pub struct EventsWriter<W: Write> {
    out: W,
    line: Line,
}

impl<W: Write> JobsWriter<W> {
    /// Writes the header; `clock` turns simulated instants into timestamps.
    pub fn new(out: W, clock: Clock) -> io::Result<JobsWriter<W>> {
        let (out, line) = start(out, clock, Some(JOBS_HEADER))?;
        Ok(JobsWriter { out, line })
    }

    /// Without the header: for rows that continue a file (a later replication).
    pub fn continuing(out: W, clock: Clock) -> JobsWriter<W> {
        let (out, line) = start(out, clock, None).expect("writes nothing");
        JobsWriter { out, line }
    }

    pub fn write(&mut self, job: &JobRecord) -> io::Result<()> {
        let line = &mut self.line;
        line.begin();
        line.uint(u64::from(job.replication));
        line.text(&job.name);
        line.text(job.kind.as_str());
        line.uint(u64::from(job.drives));
        line.uint(u64::from(job.extra_drives));
        line.text(job.outcome.as_str());
        line.boolean(job.cancelled);
        line.uint(u64::from(job.faults));
        line.time(Some(job.created_at));
        line.time(job.shipping_at);
        line.time(job.received_at);
        line.time(job.transferring_at);
        line.time(job.packaging_at);
        line.time(job.finished_at);
        line.time(job.deleted_at);
        line.text(job.deletion_reason.map_or("", |reason| reason.as_str()));
        line.days(job.end_to_end());
        line.events(job.events.iter());
        line.end(&mut self.out)
    }

    /// Flushes and hands back the writer.
    pub fn finish(self) -> io::Result<W> {
        finish(self.out, self.line)
    }
}

impl<W: Write> DrivesWriter<W> {
    /// Writes the header; `clock` turns simulated instants into timestamps.
    pub fn new(out: W, clock: Clock) -> io::Result<DrivesWriter<W>> {
        let (out, line) = start(out, clock, Some(DRIVES_HEADER))?;
        Ok(DrivesWriter { out, line })
    }

    /// Without the header: for rows that continue a file (a later replication).
    pub fn continuing(out: W, clock: Clock) -> DrivesWriter<W> {
        let (out, line) = start(out, clock, None).expect("writes nothing");
        DrivesWriter { out, line }
    }

    /// Writes one drive of the job named `job`.
    pub fn write(&mut self, job: &str, drive: &DriveRecord) -> io::Result<()> {
        let line = &mut self.line;
        line.begin();
        line.uint(u64::from(drive.replication));
        line.text(job);
        line.hex8(drive.serial);
        line.boolean(drive.extra);
        line.text(drive.final_state.as_str());
        line.text(drive.disposition.as_str());
        line.uint(drive.data_bytes);
        line.uint(drive.bytes_succeeded);
        line.text(drive.copy_outcome.as_str());
        line.time(drive.arrived_at);
        line.time(drive.received_at);
        line.time(drive.copy_start_at);
        line.time(drive.copy_end_at);
        line.time(drive.shipped_back_at);
        line.time(drive.destroyed_at);
        line.time(drive.queued_at);
        line.end(&mut self.out)
    }

    /// Flushes and hands back the writer.
    pub fn finish(self) -> io::Result<W> {
        finish(self.out, self.line)
    }
}

impl<W: Write> TimeseriesWriter<W> {
    /// Writes the header; `clock` turns simulated instants into timestamps.
    pub fn new(out: W, clock: Clock) -> io::Result<TimeseriesWriter<W>> {
        let (out, line) = start(out, clock, Some(TIMESERIES_HEADER))?;
        Ok(TimeseriesWriter { out, line })
    }

    /// Without the header: for rows that continue a file (a later replication).
    pub fn continuing(out: W, clock: Clock) -> TimeseriesWriter<W> {
        let (out, line) = start(out, clock, None).expect("writes nothing");
        TimeseriesWriter { out, line }
    }

    pub fn write(&mut self, row: &TimeseriesRow) -> io::Result<()> {
        let line = &mut self.line;
        line.begin();
        line.uint(u64::from(row.replication));
        line.uint(row.day);
        line.time(Some(row.time));
        for &jobs in &row.jobs_in_state {
            line.uint(jobs);
        }
        line.uint(row.drives_on_site);
        line.uint(row.receiving_queue);
        line.uint(row.copy_queue);
        line.uint(row.packaging_queue);
        line.uint(row.receiving_busy);
        line.uint(row.copy_busy);
        line.uint(row.packaging_busy);
        line.end(&mut self.out)
    }

    /// Flushes and hands back the writer.
    pub fn finish(self) -> io::Result<W> {
        finish(self.out, self.line)
    }
}

impl<W: Write> EventsWriter<W> {
    /// Writes the header; `clock` turns simulated instants into timestamps.
    pub fn new(out: W, clock: Clock) -> io::Result<EventsWriter<W>> {
        let (out, line) = start(out, clock, Some(EVENTS_HEADER))?;
        Ok(EventsWriter { out, line })
    }

    /// Without the header: for rows that continue a file (a later replication).
    pub fn continuing(out: W, clock: Clock) -> EventsWriter<W> {
        let (out, line) = start(out, clock, None).expect("writes nothing");
        EventsWriter { out, line }
    }

    /// Writes one transition; `entity` is `drive` when the event names a
    /// drive, else `job`.
    pub fn write(&mut self, event: &TraceEvent) -> io::Result<()> {
        debug_assert!(
            [event.from, event.to].iter().all(|state| match state {
                TraceState::Job(_) => event.drive.is_none(),
                TraceState::Drive(_) => event.drive.is_some(),
                TraceState::None => true,
            }),
            "trace event mixes job and drive: {event:?}"
        );
        let line = &mut self.line;
        line.begin();
        line.time(Some(event.time));
        line.uint(u64::from(event.replication));
        line.text(&event.job);
        line.text(event.drive.as_deref().unwrap_or(""));
        line.text(if event.drive.is_some() {
            "drive"
        } else {
            "job"
        });
        line.text(trace_state_name(event.from));
        line.text(trace_state_name(event.to));
        line.text(event.cause.as_str());
        line.end(&mut self.out)
    }

    /// Flushes and hands back the writer.
    pub fn finish(self) -> io::Result<W> {
        finish(self.out, self.line)
    }
}

/// Finished lines are handed to the writer this many bytes or more at a
/// time: one `write_all` per line cost three calls through the layers of
/// `PartWriter` and a copy into its buffer, for rows of ~200 bytes.
const PENDING_BYTES: usize = 1 << 16;

/// CSV lines being built: every field is appended followed by a comma, and
/// `end` turns the last comma into the line break.
struct Line {
    /// Finished lines not yet written, then the line being built.
    text: Vec<u8>,
    timestamps: TimestampWriter,
    /// The timestamp field being written, counted from 0 at `begin`.
    time_field: usize,
    /// The last instant written in each timestamp field, with its text. The
    /// drives of one job share most of their instants (delivery, receipt,
    /// joining the copy queue, shipping back), so a drive row mostly repeats
    /// the timestamps of the row before, and copying the text is cheaper
    /// than formatting it again.
    recent: [Option<(SimTime, TimestampText)>; TIME_FIELDS],
}

/// Timestamp fields a row has at most (jobs and drives have 7).
const TIME_FIELDS: usize = 8;

impl Line {
    fn begin(&mut self) {
        self.time_field = 0;
    }

    fn text(&mut self, field: &str) {
        debug_assert!(
            !field.contains([',', '"', '\n', '\r']),
            "CSV field needs quoting: {field:?}"
        );
        self.text.extend_from_slice(field.as_bytes());
        self.text.push(b',');
    }

    fn uint(&mut self, value: u64) {
        write_decimal(&mut self.text, value);
        self.text.push(b',');
    }

    /// Eight uppercase hexadecimal digits.
    fn hex8(&mut self, value: u32) {
        const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
        let mut field = [b','; 9];
        for (position, digit) in field[..8].iter_mut().enumerate() {
            let shift = 4 * (7 - position);
            *digit = DIGITS[(value >> shift) as usize & 0xf];
        }
        self.text.extend_from_slice(&field);
    }

    fn boolean(&mut self, value: bool) {
        self.text
            .extend_from_slice(if value { b"true," } else { b"false," });
    }

    fn time(&mut self, time: Option<SimTime>) {
        if let Some(time) = time {
            let recent = self.recent.get_mut(self.time_field);
            match recent {
                Some(Some((last, text))) if *last == time => self.text.extend_from_slice(text),
                Some(slot) => match self.timestamps.text(time) {
                    Some(text) => {
                        self.text.extend_from_slice(&text);
                        *slot = Some((time, text));
                    }
                    None => self.timestamps.write(&mut self.text, time),
                },
                None => self.timestamps.write(&mut self.text, time),
            }
        }
        self.time_field += 1;
        self.text.push(b',');
    }

    fn days(&mut self, duration: Option<SimDuration>) {
        if let Some(duration) = duration {
            write_days(&mut self.text, duration);
        }
        self.text.push(b',');
    }

    fn events(&mut self, events: impl Iterator<Item = EventKind>) {
        for (position, kind) in events.enumerate() {
            if position > 0 {
                self.text.push(b';');
            }
            self.text.extend_from_slice(kind.as_str().as_bytes());
        }
        self.text.push(b',');
    }

    /// Ends the line with its line break; hands the finished lines to `out`
    /// once they reach `PENDING_BYTES` (`finish` hands over the rest).
    fn end(&mut self, out: &mut impl Write) -> io::Result<()> {
        let comma = self.text.pop();
        debug_assert_eq!(comma, Some(b','));
        self.text.push(b'\n');
        if self.text.len() >= PENDING_BYTES {
            self.write_pending(out)
        } else {
            Ok(())
        }
    }

    /// Hands the finished lines to `out` (dropped on an error: the writer
    /// reports its first error, and memory stays bounded).
    fn write_pending(&mut self, out: &mut impl Write) -> io::Result<()> {
        let result = out.write_all(&self.text);
        self.text.clear();
        result
    }
}

fn start<W: Write>(mut out: W, clock: Clock, header: Option<&str>) -> io::Result<(W, Line)> {
    if let Some(header) = header {
        out.write_all(header.as_bytes())?;
        out.write_all(b"\n")?;
    }
    let line = Line {
        text: Vec::with_capacity(PENDING_BYTES + 512),
        timestamps: TimestampWriter::new(clock),
        time_field: 0,
        recent: [None; TIME_FIELDS],
    };
    Ok((out, line))
}

fn finish<W: Write>(mut out: W, mut line: Line) -> io::Result<W> {
    line.write_pending(&mut out)?;
    out.flush()?;
    Ok(out)
}

fn trace_state_name(state: TraceState) -> &'static str {
    match state {
        TraceState::Job(state) => state.as_str(),
        TraceState::Drive(state) => state.as_str(),
        TraceState::None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Cause, CopyOutcome, DeletionReason, Disposition, DriveState, EventList, JobKind, JobState,
        Outcome,
    };
    use crate::time::{MS_PER_DAY, MS_PER_HOUR};

    /// 2026-01-05T00:00:00Z.
    const CLOCK: Clock = Clock {
        start_epoch_ms: 1_767_571_200_000,
    };

    fn days(days: i64) -> SimTime {
        SimTime::from_ms(days * MS_PER_DAY)
    }

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).unwrap()
    }

    fn finished_job() -> JobRecord {
        let mut events = EventList::default();
        events.insert(EventKind::ExtraDrive);
        events.insert(EventKind::DriveFault);
        JobRecord {
            replication: 2,
            name: "job-00042".to_string(),
            kind: JobKind::Import,
            drives: 3,
            extra_drives: 1,
            outcome: Outcome::Completed,
            cancelled: false,
            faults: 1,
            contacts: 1,
            created_at: SimTime::from_ms(0),
            shipping_at: Some(days(2)),
            received_at: Some(days(6) + SimDuration::from_ms(123)),
            transferring_at: Some(days(8)),
            packaging_at: Some(SimTime::from_ms(10 * MS_PER_DAY + 12 * MS_PER_HOUR)),
            finished_at: Some(SimTime::from_ms(12 * MS_PER_DAY + 6 * MS_PER_HOUR)),
            deleted_at: Some(SimTime::from_ms(102 * MS_PER_DAY + 6 * MS_PER_HOUR)),
            deletion_reason: Some(DeletionReason::Retention),
            events,
            state_time: [None; 6],
            in_warmup: false,
            history: None,
        }
    }

    fn expired_job() -> JobRecord {
        JobRecord {
            replication: 0,
            name: "a_1".to_string(),
            kind: JobKind::Export,
            drives: 1,
            extra_drives: 0,
            outcome: Outcome::Expired,
            cancelled: true,
            faults: 0,
            contacts: 0,
            created_at: days(1),
            shipping_at: None,
            received_at: None,
            transferring_at: None,
            packaging_at: None,
            finished_at: None,
            deleted_at: Some(days(15)),
            deletion_reason: Some(DeletionReason::Expired),
            events: EventList::default(),
            state_time: [None; 6],
            in_warmup: true,
            history: None,
        }
    }

    #[test]
    fn headers_are_the_contract() {
        assert_eq!(
            JOBS_HEADER,
            "replication,job,job_type,drives,extra_drives,outcome,cancelled,faults,created_at,\
             shipping_at,received_at,transferring_at,packaging_at,finished_at,deleted_at,\
             deletion_reason,end_to_end_days,events"
        );
        assert_eq!(
            DRIVES_HEADER,
            "replication,job,drive,extra,final_state,disposition,data_bytes,bytes_succeeded,\
             copy_outcome,arrived_at,received_at,copy_start_at,copy_end_at,shipped_back_at,\
             destroyed_at,queued_at"
        );
        assert_eq!(
            TIMESERIES_HEADER,
            "replication,day,time,creating,shipping,received,transferring,packaging,faulted,\
             drives_on_site,receiving_queue,copy_queue,packaging_queue,receiving_busy,\
             copy_busy,packaging_busy"
        );
        assert_eq!(
            EVENTS_HEADER,
            "time,replication,job,drive,entity,from,to,cause"
        );
        let writer = JobsWriter::new(Vec::new(), CLOCK).unwrap();
        assert_eq!(text(writer.finish().unwrap()), format!("{JOBS_HEADER}\n"));
    }

    #[test]
    fn job_rows() {
        let mut writer = JobsWriter::new(Vec::new(), CLOCK).unwrap();
        writer.write(&finished_job()).unwrap();
        writer.write(&expired_job()).unwrap();
        let output = text(writer.finish().unwrap());
        let lines: Vec<&str> = output.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(
            lines[1],
            "2,job-00042,Import,3,1,completed,false,1,2026-01-05T00:00:00.000Z,\
             2026-01-07T00:00:00.000Z,2026-01-11T00:00:00.123Z,2026-01-13T00:00:00.000Z,\
             2026-01-15T12:00:00.000Z,2026-01-17T06:00:00.000Z,2026-04-17T06:00:00.000Z,retention,\
             12.250000,extra_drive;drive_fault"
        );
        assert_eq!(
            lines[2],
            "0,a_1,Export,1,0,expired,true,0,2026-01-06T00:00:00.000Z,,,,,,\
             2026-01-20T00:00:00.000Z,expired,,"
        );
        for line in &lines[1..] {
            assert_eq!(line.split(',').count(), JOBS_HEADER.split(',').count());
        }
    }

    #[test]
    fn drive_rows() {
        let drive = DriveRecord {
            replication: 1,
            serial: 0x0A1B_2C3D,
            extra: false,
            final_state: DriveState::ShippedBack,
            disposition: Disposition::Returned,
            data_bytes: 4_000_000_000_000,
            bytes_succeeded: 18_446_744_073_709_551_615,
            copy_outcome: CopyOutcome::Warnings,
            arrived_at: Some(days(5)),
            received_at: Some(days(6)),
            copy_start_at: Some(days(8)),
            copy_end_at: Some(days(9)),
            shipped_back_at: Some(days(12)),
            destroyed_at: None,
            queued_at: Some(days(7)),
        };
        let never_arrived = DriveRecord {
            replication: 0,
            serial: 0xFFFF_FFFF,
            extra: true,
            final_state: DriveState::NeverReceived,
            disposition: Disposition::NeverArrived,
            data_bytes: 0,
            bytes_succeeded: 0,
            copy_outcome: CopyOutcome::None,
            arrived_at: None,
            received_at: None,
            copy_start_at: None,
            copy_end_at: None,
            shipped_back_at: None,
            destroyed_at: None,
            queued_at: None,
        };
        let mut writer = DrivesWriter::new(Vec::new(), CLOCK).unwrap();
        writer.write("job-00042", &drive).unwrap();
        writer.write("b", &never_arrived).unwrap();
        let output = text(writer.finish().unwrap());
        assert_eq!(
            output,
            format!(
                "{DRIVES_HEADER}\n\
                 1,job-00042,0A1B2C3D,false,ShippedBack,returned,4000000000000,\
                 18446744073709551615,warnings,2026-01-10T00:00:00.000Z,2026-01-11T00:00:00.000Z,\
                 2026-01-13T00:00:00.000Z,2026-01-14T00:00:00.000Z,2026-01-17T00:00:00.000Z,,\
                 2026-01-12T00:00:00.000Z\n\
                 0,b,FFFFFFFF,true,NeverReceived,never_arrived,0,0,none,,,,,,,\n"
            )
        );
    }

    #[test]
    fn timeseries_rows() {
        let row = TimeseriesRow {
            replication: 0,
            day: 3,
            time: days(10),
            jobs_in_state: [1, 2, 3, 4, 5, 6],
            drives_on_site: 70,
            receiving_queue: 8,
            copy_queue: 9,
            packaging_queue: 10,
            receiving_busy: 11,
            copy_busy: 12,
            packaging_busy: 0,
        };
        let mut writer = TimeseriesWriter::new(Vec::new(), CLOCK).unwrap();
        writer.write(&row).unwrap();
        assert_eq!(
            text(writer.finish().unwrap()),
            format!(
                "{TIMESERIES_HEADER}\n0,3,2026-01-15T00:00:00.000Z,1,2,3,4,5,6,70,8,9,10,11,12,0\n"
            )
        );
    }

    #[test]
    fn event_rows() {
        let job_event = TraceEvent {
            time: SimTime::from_ms(1),
            replication: 4,
            job: "job-1".to_string(),
            drive: None,
            from: TraceState::None,
            to: TraceState::Job(JobState::Creating),
            cause: Cause::Created,
        };
        let drive_event = TraceEvent {
            time: days(3),
            replication: 4,
            job: "job-1".to_string(),
            drive: Some("0000000A".to_string()),
            from: TraceState::Drive(DriveState::Specified),
            to: TraceState::Drive(DriveState::NeverReceived),
            cause: Cause::PackageReceived,
        };
        let mut writer = EventsWriter::new(Vec::new(), CLOCK).unwrap();
        writer.write(&job_event).unwrap();
        writer.write(&drive_event).unwrap();
        assert_eq!(
            text(writer.finish().unwrap()),
            format!(
                "{EVENTS_HEADER}\n\
                 2026-01-05T00:00:00.001Z,4,job-1,,job,,Creating,created\n\
                 2026-01-08T00:00:00.000Z,4,job-1,0000000A,drive,Specified,NeverReceived,\
                 package_received\n"
            )
        );
    }
}
