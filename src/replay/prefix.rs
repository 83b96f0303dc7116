//! `--name-prefix`: job names that do not collide when one stream is
//! replayed twice against the same server.
//!
//! A `NamePrefix` is put in front of every job name: in the path, every
//! path segment (before the query) that is the job's name, and in the body
//! every JSON string that is exactly the job's name (never part of a longer
//! string). The prefix is lowercase letters, digits, `-` and `_`, starting
//! with a letter, at most 24 characters, so the renamed job is still a valid
//! job name; the empty prefix keeps names as written.
//!
//! `NamePrefix::for_run` makes the default: `r` and five base-36 digits of a
//! run id, then `-` (`r0k3xz-job-0000001`). The binary draws the run id from
//! the wall clock and its process id, so two runs get different names.

use std::fmt;
use std::str::FromStr;

/// The longest prefix accepted [characters].
pub const MAX_PREFIX_LEN: usize = 24;

/// What job names are prefixed with; may be empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NamePrefix(String);

/// A `--name-prefix` that would not make valid job names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "--name-prefix `{0}`: expected lowercase letters, digits, - and _, starting with a letter, \
     at most 24 characters (or empty to keep the names)"
)]
pub struct NamePrefixError(pub String);

impl NamePrefix {
    /// `r<5 base-36 digits of run_id>-`.
    pub fn for_run(run_id: u64) -> NamePrefix {
        const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
        let mut text = String::from("r");
        let mut rest = run_id;
        for _ in 0..5 {
            text.push(char::from(DIGITS[(rest % 36) as usize]));
            rest /= 36;
        }
        text.push('-');
        NamePrefix(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The job's name as sent.
    pub fn rename(&self, job: &str) -> String {
        let mut name = String::with_capacity(self.0.len() + job.len());
        name.push_str(&self.0);
        name.push_str(job);
        name
    }

    /// `path` with every segment equal to `job` (before the query) renamed.
    pub fn rewrite_path(&self, path: &str, job: &str) -> String {
        if self.0.is_empty() {
            return path.to_string();
        }
        let (route, query) = match path.find('?') {
            Some(index) => path.split_at(index),
            None => (path, ""),
        };
        let mut out = String::with_capacity(path.len() + self.0.len());
        for (index, segment) in route.split('/').enumerate() {
            if index > 0 {
                out.push('/');
            }
            if segment == job {
                out.push_str(&self.0);
            }
            out.push_str(segment);
        }
        out.push_str(query);
        out
    }

    /// `body` (JSON text) with every string that is exactly `job` renamed;
    /// `None` when there is none (the body is sent as it is).
    pub fn rewrite_body(&self, body: &str, job: &str) -> Option<String> {
        if self.0.is_empty() {
            return None;
        }
        // A job name has no character JSON escapes, so the string `"job"`
        // appears in the text exactly as here; inside a longer string the
        // quotes would have to be escaped, so an unescaped match is a whole
        // string value or key.
        let quoted = format!("\"{job}\"");
        let mut out = String::new();
        let mut rest = body;
        let mut found = false;
        while let Some(index) = rest.find(&quoted) {
            let before = &rest[..index];
            // An escaped quote (`\"job\"`) is inside another string.
            let backslashes = before.bytes().rev().take_while(|&b| b == b'\\').count();
            out.push_str(before);
            if backslashes % 2 == 0 {
                out.push('"');
                out.push_str(&self.0);
                out.push_str(job);
                out.push('"');
                found = true;
            } else {
                out.push_str(&quoted);
            }
            rest = &rest[index + quoted.len()..];
        }
        out.push_str(rest);
        found.then_some(out)
    }
}

impl FromStr for NamePrefix {
    type Err = NamePrefixError;

    fn from_str(text: &str) -> Result<NamePrefix, NamePrefixError> {
        let valid = text.is_empty() || (text.len() <= MAX_PREFIX_LEN && is_job_name(text));
        if valid {
            Ok(NamePrefix(text.to_string()))
        } else {
            Err(NamePrefixError(text.to_string()))
        }
    }
}

impl fmt::Display for NamePrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Lowercase letters, digits, `-` and `_`, starting with a letter.
pub fn is_job_name(text: &str) -> bool {
    let mut bytes = text.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_valid_job_name_starts() {
        for good in ["", "a", "r0k3xz-", "ci_run-7"] {
            assert_eq!(good.parse::<NamePrefix>().unwrap().as_str(), good);
        }
        for bad in ["7a", "-a", "A", "a b", "a/", &"a".repeat(25)] {
            assert!(bad.parse::<NamePrefix>().is_err(), "{bad}");
        }
        let prefix = NamePrefix::for_run(0);
        assert_eq!(prefix.as_str(), "r00000-");
        let other = NamePrefix::for_run(123_456_789);
        assert_ne!(prefix, other);
        assert!(other.as_str().parse::<NamePrefix>().is_ok());
        assert_eq!(other.as_str().len(), 7);
    }

    #[test]
    fn paths_rename_whole_segments_only() {
        let prefix: NamePrefix = "p-".parse().unwrap();
        let check = |path: &str, expected: &str| {
            assert_eq!(prefix.rewrite_path(path, "job-1"), expected, "{path}");
        };
        check(
            "/s/x/jobs/job-1?api-version=2016-11-01&job-1",
            "/s/x/jobs/p-job-1?api-version=2016-11-01&job-1",
        );
        check("/jobs/job-10", "/jobs/job-10");
        check("/jobs/job-1/drives/job-1", "/jobs/p-job-1/drives/p-job-1");
        assert_eq!(
            NamePrefix::default().rewrite_path("/jobs/job-1", "job-1"),
            "/jobs/job-1"
        );
    }

    #[test]
    fn bodies_rename_whole_strings_only() {
        let prefix: NamePrefix = "p-".parse().unwrap();
        let check = |body: &str, expected: Option<&str>| {
            assert_eq!(
                prefix.rewrite_body(body, "job-1").as_deref(),
                expected,
                "{body}"
            );
        };
        check(r#"{"a":"job-10","b":"xjob-1"}"#, None);
        check(
            r#"{"name":"job-1","list":["job-1"]}"#,
            Some(r#"{"name":"p-job-1","list":["p-job-1"]}"#),
        );
        check(r#"{"note":"say \"job-1\""}"#, None);
        check(
            r#"{"note":"a\\","n":"job-1"}"#,
            Some(r#"{"note":"a\\","n":"p-job-1"}"#),
        );
    }
}
