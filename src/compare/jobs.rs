//! `compare.jobs.csv`: the jobs whose outcome differs between the baseline
//! and the candidate, so a reviewer can read concrete cases.
//!
//! Both `jobs.csv` files list replication 0 first, then 1, ..., but within a
//! replication in the order jobs settled, which a policy change reorders. So
//! the two files are read side by side one replication at a time and joined
//! by job name: memory holds one replication's jobs, not the whole run.
//!
//! A job present in only one run (a follow-up export job the other run never
//! created) has an empty outcome and end-to-end time on the other side.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::iter::Peekable;

/// The header of `compare.jobs.csv`.
pub const JOB_DIFF_HEADER: &str = "replication,job,baseline_outcome,candidate_outcome,\
                                   baseline_end_to_end_days,candidate_end_to_end_days";

/// What the diff keeps of a `jobs.csv` row: outcome and `end_to_end_days`
/// (as written, six decimals or empty).
type JobEnd = (String, String);

/// Writes `compare.jobs.csv` from the two `jobs.csv` files: one row per job
/// whose outcome differs, by replication, then job name. Returns the number
/// of rows written.
pub fn write_job_diff<B: Read, C: Read, W: Write>(
    baseline: B,
    candidate: C,
    mut out: W,
) -> io::Result<u64> {
    let mut baseline = JobRows::new(baseline)?.peekable();
    let mut candidate = JobRows::new(candidate)?.peekable();
    let mut text = String::with_capacity(1 << 16);
    text.push_str(JOB_DIFF_HEADER);
    text.push('\n');
    let mut written = 0;
    loop {
        let replication = match (
            peek_replication(&mut baseline)?,
            peek_replication(&mut candidate)?,
        ) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => break,
        };
        let baseline_jobs = take_replication(&mut baseline, replication)?;
        let mut candidate_jobs = take_replication(&mut candidate, replication)?;
        let none = (String::new(), String::new());
        let mut rows: BTreeMap<String, (JobEnd, JobEnd)> = BTreeMap::new();
        for (job, baseline_end) in baseline_jobs {
            let candidate_end = candidate_jobs.remove(&job).unwrap_or_else(|| none.clone());
            if baseline_end.0 != candidate_end.0 {
                rows.insert(job, (baseline_end, candidate_end));
            }
        }
        for (job, candidate_end) in candidate_jobs {
            rows.insert(job, (none.clone(), candidate_end));
        }
        for (job, (baseline_end, candidate_end)) in rows {
            let _ = writeln!(
                text,
                "{replication},{job},{},{},{},{}",
                baseline_end.0, candidate_end.0, baseline_end.1, candidate_end.1
            );
            written += 1;
            if text.len() > 1 << 16 {
                out.write_all(text.as_bytes())?;
                text.clear();
            }
        }
    }
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(written)
}

/// The replication of the next row, `None` at the end of the file.
fn peek_replication<R: Read>(rows: &mut Peekable<JobRows<R>>) -> io::Result<Option<u32>> {
    match rows.peek() {
        Some(Ok((replication, _, _))) => Ok(Some(*replication)),
        Some(Err(_)) => Err(rows.next().expect("peeked").unwrap_err()),
        None => Ok(None),
    }
}

/// Takes the leading rows of `replication` off `rows`, by job name.
fn take_replication<R: Read>(
    rows: &mut Peekable<JobRows<R>>,
    replication: u32,
) -> io::Result<BTreeMap<String, JobEnd>> {
    let mut jobs = BTreeMap::new();
    while let Some(Ok((next, _, _))) = rows.peek() {
        if *next != replication {
            break;
        }
        let (_, job, end) = rows.next().expect("peeked")?;
        jobs.insert(job, end);
    }
    peek_replication(rows)?;
    Ok(jobs)
}

/// The rows of one `jobs.csv`, as `(replication, job, (outcome, end_to_end_days))`.
struct JobRows<R: Read> {
    reader: csv::Reader<R>,
    record: csv::StringRecord,
    /// Positions of `replication`, `job`, `outcome`, `end_to_end_days`.
    columns: [usize; 4],
}

impl<R: Read> JobRows<R> {
    fn new(input: R) -> io::Result<JobRows<R>> {
        let mut reader = csv::Reader::from_reader(input);
        let headers = reader.headers()?.clone();
        let column = |name: &str| {
            headers
                .iter()
                .position(|header| header == name)
                .ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("jobs.csv has no column `{name}`"),
                    )
                })
        };
        let columns = [
            column("replication")?,
            column("job")?,
            column("outcome")?,
            column("end_to_end_days")?,
        ];
        Ok(JobRows {
            reader,
            record: csv::StringRecord::new(),
            columns,
        })
    }
}

impl<R: Read> Iterator for JobRows<R> {
    type Item = io::Result<(u32, String, JobEnd)>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.reader.read_record(&mut self.record) {
            Ok(false) => None,
            Err(error) => Some(Err(error.into())),
            Ok(true) => {
                let field = |index: usize| self.record.get(self.columns[index]).unwrap_or("");
                let replication = match field(0).parse() {
                    Ok(replication) => replication,
                    Err(_) => {
                        return Some(Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("jobs.csv: replication `{}` is not a number", field(0)),
                        )));
                    }
                };
                let end = (field(2).to_string(), field(3).to_string());
                Some(Ok((replication, field(1).to_string(), end)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "replication,job,outcome,end_to_end_days\n";

    fn diff(baseline: &str, candidate: &str) -> String {
        let mut out = Vec::new();
        let baseline = format!("{HEADER}{baseline}");
        let candidate = format!("{HEADER}{candidate}");
        write_job_diff(baseline.as_bytes(), candidate.as_bytes(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn joins_by_replication_and_job_whatever_the_row_order() {
        let baseline = "0,job-b,completed,12.000000\n0,job-a,expired,\n0,job-c,closed,40.5\n\
                        1,job-a,completed,10.000000\n";
        let candidate = "0,job-c,closed,41\n0,job-a,expired,\n0,job-b,expired,\n\
                         1,job-a,completed,10.000000\n1,job-a-r1,completed,3.000000\n";
        assert_eq!(
            diff(baseline, candidate),
            format!(
                "{JOB_DIFF_HEADER}\n\
                 0,job-b,completed,expired,12.000000,\n\
                 1,job-a-r1,,completed,,3.000000\n"
            )
        );
    }

    #[test]
    fn a_replication_missing_on_one_side() {
        let baseline = "0,job-a,completed,1\n2,job-a,closed,2\n";
        let candidate = "0,job-a,completed,1\n1,job-a,closed,3\n2,job-a,completed,2\n";
        assert_eq!(
            diff(baseline, candidate),
            format!("{JOB_DIFF_HEADER}\n1,job-a,,closed,,3\n2,job-a,closed,completed,2,2\n")
        );
    }

    #[test]
    fn identical_files_give_only_the_header() {
        let rows = "0,job-a,completed,1\n0,job-b,expired,\n";
        assert_eq!(diff(rows, rows), format!("{JOB_DIFF_HEADER}\n"));
    }

    #[test]
    fn a_missing_column_is_an_error() {
        let mut out = Vec::new();
        let error = write_job_diff(
            "replication,job\n0,a\n".as_bytes(),
            HEADER.as_bytes(),
            &mut out,
        )
        .unwrap_err();
        assert!(error.to_string().contains("outcome"), "{error}");
    }
}
