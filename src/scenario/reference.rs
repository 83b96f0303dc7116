//! The reference of every scenario key (what it means, its unit, the values
//! it accepts) and the commented TOML written from it (`impexsim scenario
//! show` and `impexsim scenario init`).
//!
//! `KEYS` holds one `KeyDoc` per key of `file::SECTIONS`, in the same order;
//! a unit test keeps the two in step. The text says what validation accepts
//! (`scenario/file.rs`, `dist.rs` and the checks across keys in
//! `scenario.rs`): a bound changed there is changed here too.
//!
//! `commented_toml` writes a table of scenario values as TOML in which every
//! key is preceded by its reference. In `CommentedMode::Resolved` every key
//! with a value is written, so the text loads back as a scenario with the
//! same values; in `CommentedMode::Starter` every key is commented out, so
//! the text is a scenario equal to the embedded baseline in which a user
//! uncomments what a study changes.

use super::file::SECTIONS;

/// The reference of one scenario key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyDoc {
    /// The section, e.g. `customer`.
    pub section: &'static str,
    /// The key inside its section, e.g. `ship_delay`.
    pub key: &'static str,
    /// What the key means to the simulation, in a sentence or two.
    pub meaning: &'static str,
    /// Its unit and the values validation accepts.
    pub allowed: &'static str,
    /// A value to show, commented out, when the key has none (it is not in
    /// the embedded baseline), e.g. `5000` for `arrivals.count`.
    pub example: Option<&'static str>,
}

/// How `commented_toml` writes keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentedMode {
    /// Every key that has a value is written as `key = value`; a key without
    /// one is shown commented out with its example.
    Resolved,
    /// Every key is commented out (`# key = value`): the text is a scenario
    /// that changes nothing.
    Starter,
}

const DURATION_DIST: &str = "a duration (a constant) or a distribution of durations; \
                             every value at least 0";
const PROBABILITY: &str = "a probability, within [0, 1]";
const POSITIVE_COUNT: &str = "an integer, at least 1";

/// Every key of a scenario file, section by section, in file order.
pub const KEYS: &[KeyDoc] = &[
    // [simulation]
    doc(
        "simulation",
        "name",
        "Name of the study; the default output folder is output/<name>/. A file \
         that leaves it out takes its file name.",
        "text without / or \\, not empty and not . or .. (a folder name)",
    ),
    doc(
        "simulation",
        "start",
        "The instant simulated time starts (every timestamp of the output counts from it).",
        "an RFC 3339 instant, e.g. \"2026-01-05T00:00:00Z\" (quoted or a TOML date-time)",
    ),
    doc(
        "simulation",
        "horizon",
        "Jobs are created during [start, start + horizon).",
        "a duration, longer than 0",
    ),
    doc(
        "simulation",
        "warmup",
        "Jobs created before start + warmup are simulated and written but left out of \
         every metric; time averages and the time series start there.",
        "a duration, at least 0 and shorter than horizon",
    ),
    doc(
        "simulation",
        "drain_limit",
        "After the horizon the run goes on at most this long; jobs still open then are \
         `unfinished`, drives still on site `on_site`.",
        "a duration, at least 0",
    ),
    doc(
        "simulation",
        "seed",
        "Seed of every random stream: the same scenario and seed give the same output.",
        "an integer, at least 0",
    ),
    doc(
        "simulation",
        "replications",
        "Independent replications, each with its own random streams; several give \
         means and 95% intervals in summary.csv.",
        POSITIVE_COUNT,
    ),
    // [arrivals]
    doc(
        "arrivals",
        "process",
        "How jobs arrive: \"poisson\" (random gaps at jobs_per_day), \"count\" (count \
         jobs evenly spread over the horizon) or \"trace\" (the rows of the CSV file \
         named by trace).",
        "\"poisson\", \"count\" or \"trace\"",
    ),
    doc(
        "arrivals",
        "jobs_per_day",
        "Mean arrival rate of the poisson process; with process = \"count\" and no \
         count, count = jobs_per_day x horizon (in days), rounded.",
        "jobs per day, a number greater than 0",
    ),
    example(
        "arrivals",
        "count",
        "Jobs created by the count process: job i at start + i x horizon / count.",
        "an integer, at least 1; read only with process = \"count\"",
        "5000",
    ),
    example(
        "arrivals",
        "trace",
        "CSV file of arrivals, columns created_at,job_type[,drives] (created_at an RFC \
         3339 instant, job_type import or export); rows outside the horizon are skipped \
         with a warning.",
        "a path, relative to the folder of the file that sets it; read only with \
         process = \"trace\"",
        "\"arrivals.csv\"",
    ),
    doc(
        "arrivals",
        "export_fraction",
        "Share of jobs that are export jobs; the others are import jobs.",
        PROBABILITY,
    ),
    doc(
        "arrivals",
        "drives_per_job",
        "Drives an import job lists (or an export job ships), rounded and clamped to \
         [1, policy.max_drives_per_job].",
        "drives: a number (a constant) or a distribution; every value at least 0",
    ),
    doc(
        "arrivals",
        "data_per_drive_tb",
        "Data on each drive, to copy (import) or to fill it with (export).",
        "TB (10^12 bytes): a number (a constant) or a distribution; every value at least 0",
    ),
    doc(
        "arrivals",
        "verbose_log_fraction",
        "Share of jobs with logLevel = Verbose: their finished drives get a verboseLogUri.",
        PROBABILITY,
    ),
    // [customer]
    doc(
        "customer",
        "ship_delay",
        "Job created -> the customer hands the package to the carrier and sends the \
         Shipping update.",
        DURATION_DIST,
    ),
    doc(
        "customer",
        "abandon_probability",
        "The customer never ships: the job expires in Creating after creating_timeout.",
        PROBABILITY,
    ),
    doc(
        "customer",
        "update_while_creating_probability",
        "One Update Job Properties call while Creating, at a uniform time before \
         shipping; it resets policy.creating_timeout.",
        PROBABILITY,
    ),
    doc(
        "customer",
        "skip_shipping_update_probability",
        "The customer ships but never sets Shipping: the drives arrive for a Creating (or \
         expired) job, as orphan drives.",
        PROBABILITY,
    ),
    doc(
        "customer",
        "missing_return_address_probability",
        "No return address at Put Job: the first Shipping update is rejected and the \
         customer sends a fixed one fix_return_address_delay later.",
        PROBABILITY,
    ),
    doc(
        "customer",
        "fix_return_address_delay",
        "Rejected Shipping update -> the fixed update with the return address.",
        DURATION_DIST,
    ),
    doc(
        "customer",
        "wrong_return_address_probability",
        "The return address is wrong; operators find out when the job enters Packaging \
         and contact the customer.",
        PROBABILITY,
    ),
    doc(
        "customer",
        "cancel_probability",
        "The customer requests cancellation, cancel_delay after creation.",
        PROBABILITY,
    ),
    doc(
        "customer",
        "cancel_delay",
        "Job created -> cancellation request; it is accepted only in \
         policy.cancellable_states.",
        DURATION_DIST,
    ),
    doc(
        "customer",
        "response_probability",
        "The customer answers an operator contact at all.",
        PROBABILITY,
    ),
    doc(
        "customer",
        "response_delay",
        "Operator contact -> answer, for a customer who answers; an answer after the \
         contact's window counts as none.",
        DURATION_DIST,
    ),
    doc(
        "customer",
        "extend_probability",
        "The answer about an overdue package is extend (wait shipping_extension more); \
         otherwise it is cancel.",
        PROBABILITY,
    ),
    doc(
        "customer",
        "reorder_export_probability",
        "After a lost or damaged export return the customer creates a follow-up export \
         job (same drives and data).",
        PROBABILITY,
    ),
    doc(
        "customer",
        "poll_interval",
        "impexsim calls: a customer polls Get Job this often while its job exists.",
        "a duration, longer than 0",
    ),
    // [shipping]
    doc(
        "shipping",
        "transit",
        "Package handed to the carrier -> delivered at the data centre.",
        DURATION_DIST,
    ),
    doc(
        "shipping",
        "lost_package_probability",
        "The package is not delivered in transit.",
        PROBABILITY,
    ),
    doc(
        "shipping",
        "late_package_probability",
        "A lost package turns up after all, late_package_delay after it was due.",
        PROBABILITY,
    ),
    doc(
        "shipping",
        "late_package_delay",
        "How late a lost package that turns up is, after hand-over + transit.",
        DURATION_DIST,
    ),
    doc(
        "shipping",
        "missing_drive_probability",
        "Per listed drive: not in its package (NeverReceived when the package is \
         processed).",
        PROBABILITY,
    ),
    doc(
        "shipping",
        "missing_drive_later_probability",
        "A missing drive turns up later, in a shipment of its own.",
        PROBABILITY,
    ),
    doc(
        "shipping",
        "missing_drive_later_delay",
        "Package processed -> the missing drive delivered.",
        DURATION_DIST,
    ),
    doc(
        "shipping",
        "extra_drive_probability",
        "Per import package: one drive not in the job's list (never copied, returned \
         with the job's drives).",
        PROBABILITY,
    ),
    doc(
        "shipping",
        "return_transit",
        "Drives shipped back -> they reach the customer (an export return is lost or \
         damaged then, or not).",
        DURATION_DIST,
    ),
    doc(
        "shipping",
        "return_lost_probability",
        "Export returns only: the return package never reaches the customer.",
        PROBABILITY,
    ),
    doc(
        "shipping",
        "return_damaged_probability",
        "Export returns only: the drives arrive damaged.",
        PROBABILITY,
    ),
    // [datacenter]
    doc(
        "datacenter",
        "receive_lag",
        "Carrier delivery -> operators start on the package.",
        DURATION_DIST,
    ),
    doc(
        "datacenter",
        "receiving_staff",
        "Receiving operators; each processes one package at a time, around the clock.",
        POSITIVE_COUNT,
    ),
    doc(
        "datacenter",
        "receive_time",
        "One operator's work on one package.",
        DURATION_DIST,
    ),
    doc(
        "datacenter",
        "copy_stations",
        "Drives copied at once; waiting drives queue FIFO in the order they joined.",
        POSITIVE_COUNT,
    ),
    doc(
        "datacenter",
        "copy_lag",
        "Job Received -> its drives join the copy queue (triage and scheduling).",
        DURATION_DIST,
    ),
    doc(
        "datacenter",
        "copy_setup",
        "Setup at the start of each copy attempt, before data flows.",
        DURATION_DIST,
    ),
    doc(
        "datacenter",
        "copy_throughput_mb_s",
        "Per copy attempt: copy time = copy_setup + data / throughput; a draw of 0 or \
         less is drawn again.",
        "MB/s (10^6 bytes a second): a number (a constant, greater than 0) or a \
         distribution",
    ),
    doc(
        "datacenter",
        "copy_error_probability",
        "Per drive: the copy ends CompletedMoreInfo with errors, only part of the data \
         copied; the job ends Closed.",
        "a probability, within [0, 1]; the three copy_*_probability keys sum to at most 1",
    ),
    doc(
        "datacenter",
        "copy_warning_probability",
        "Per drive: the copy ends CompletedMoreInfo with warnings (all data copied).",
        "a probability, within [0, 1]; the three copy_*_probability keys sum to at most 1",
    ),
    doc(
        "datacenter",
        "copy_info_probability",
        "Per drive: the copy ends CompletedMoreInfo with information, e.g. blobs renamed \
         (all data copied).",
        "a probability, within [0, 1]; the three copy_*_probability keys sum to at most 1",
    ),
    doc(
        "datacenter",
        "drive_fault_probability",
        "Per drive: a fault strikes during its first copy; the drive is Faulted, then \
         copied again once resolved.",
        PROBABILITY,
    ),
    doc(
        "datacenter",
        "job_fault_probability",
        "Per job: a fault when its package is received; the job is Faulted until \
         resolved.",
        PROBABILITY,
    ),
    doc(
        "datacenter",
        "fault_resolution",
        "Fault -> resolved; longer than policy.customer_response_window means never \
         resolved (the drives go back uncopied, the job ends Closed).",
        DURATION_DIST,
    ),
    doc(
        "datacenter",
        "packaging_staff",
        "Packaging staff; each ships one job's drives (or one set of orphan or late \
         drives) back at a time.",
        POSITIVE_COUNT,
    ),
    doc(
        "datacenter",
        "packaging_time",
        "One staff member's work on one shipment back.",
        DURATION_DIST,
    ),
    // [policy]
    doc(
        "policy",
        "creating_timeout",
        "A job still Creating this long after creation (or after its last accepted \
         update) is deleted. Documented value: 14d.",
        "a duration, longer than 0",
    ),
    doc(
        "policy",
        "shipping_timeout",
        "Shipping update -> operators check whether the package has arrived; if not, the \
         overdue handling starts. Documented value: 14d.",
        "a duration, longer than 0",
    ),
    doc(
        "policy",
        "shipping_extension",
        "An extend answer about an overdue package sets the next check to the answer + \
         this. Documented value: 14d.",
        "a duration, longer than 0",
    ),
    doc(
        "policy",
        "customer_response_window",
        "How long operators wait for an answer about an overdue package or a wrong \
         return address, and for a fault to be resolved. Documented value: 30d.",
        "a duration, longer than 0",
    ),
    doc(
        "policy",
        "orphan_contact_window",
        "How long operators wait for an answer about orphan drives. Documented value: 14d.",
        "a duration, longer than 0",
    ),
    doc(
        "policy",
        "disposal_after",
        "Drives that cannot be returned are destroyed this long after the contact (never \
         before its window ends). Documented value: 90d.",
        "a duration, longer than 0",
    ),
    doc(
        "policy",
        "retention",
        "Completed and Closed jobs are deleted this long after they finish. Documented \
         value: 90d.",
        "a duration, longer than 0",
    ),
    doc(
        "policy",
        "cancellable_states",
        "Job states in which a cancellation request is accepted; elsewhere it is \
         rejected and counted. Documented value: [\"Creating\", \"Shipping\"].",
        "a list of \"Creating\", \"Shipping\", \"Received\", \"Transferring\"; [] for none",
    ),
    doc(
        "policy",
        "max_drives_per_job",
        "Most drives a job may list; drives_per_job draws are clamped to it. Documented \
         value: 10.",
        POSITIVE_COUNT,
    ),
];

const fn doc(
    section: &'static str,
    key: &'static str,
    meaning: &'static str,
    allowed: &'static str,
) -> KeyDoc {
    KeyDoc {
        section,
        key,
        meaning,
        allowed,
        example: None,
    }
}

const fn example(
    section: &'static str,
    key: &'static str,
    meaning: &'static str,
    allowed: &'static str,
    example: &'static str,
) -> KeyDoc {
    KeyDoc {
        section,
        key,
        meaning,
        allowed,
        example: Some(example),
    }
}

/// The reference of `section.key`, if it is a scenario key.
pub fn key_doc(section: &str, key: &str) -> Option<&'static KeyDoc> {
    KEYS.iter()
        .find(|doc| doc.section == section && doc.key == key)
}

/// What every commented scenario says first: how values are written.
const PREAMBLE: &str = "\
Durations are strings with units: \"90s\", \"45m\", \"36h\", \"14d\", \"2d 12h\"
(ms, s, m, h, d). A distribution is a bare value (a constant) or a table
that picks a family:
  { dist = \"exponential\", mean = \"2d\" }
  { dist = \"uniform\", min = \"1d\", max = \"3d\" }
  { dist = \"lognormal\", median = \"2d\", sigma = 0.5 }
  { dist = \"triangular\", min = \"10m\", mode = \"20m\", max = \"1h\" }
  { dist = \"normal\", mean = 120, sd = 20 }   (redrawn until positive)
  { dist = \"empirical\", values = [...], weights = [...] }
  { dist = \"uniform_int\", min = 1, max = 10 }   (for counts)
Probabilities are numbers within [0, 1].";

/// Width of the comment text [characters].
const WIDTH: usize = 78;

/// Scenario `values` (sections of keys, as a scenario file holds them) as
/// TOML with every key's reference in comments, after `intro` (lines of
/// comment text, without `#`). Sections and keys come in file order.
pub fn commented_toml(values: &toml::Table, mode: CommentedMode, intro: &[String]) -> String {
    let mut text = String::new();
    for line in intro {
        push_comment(&mut text, line);
    }
    if !intro.is_empty() {
        text.push_str("#\n");
    }
    for line in PREAMBLE.lines() {
        push_comment(&mut text, line);
    }
    for (section, keys) in SECTIONS {
        let section_values = values.get(*section).and_then(toml::Value::as_table);
        text.push_str(&format!("\n[{section}]\n"));
        for key in *keys {
            let value = section_values.and_then(|table| table.get(*key));
            let doc = key_doc(section, key);
            if let Some(doc) = doc {
                push_wrapped(&mut text, doc.meaning);
                push_wrapped(&mut text, &format!("Allowed: {}.", doc.allowed));
            }
            let shown = value
                .map(inline_value)
                .or_else(|| doc.and_then(|doc| doc.example).map(str::to_string));
            match (mode, value, shown) {
                (CommentedMode::Resolved, Some(_), Some(shown)) => {
                    text.push_str(&format!("{key} = {shown}\n"));
                }
                (_, _, Some(shown)) => text.push_str(&format!("# {key} = {shown}\n")),
                (_, _, None) => text.push_str(&format!("# {key} is not set\n")),
            }
        }
    }
    text
}

/// `line` as one comment line (`#` alone for an empty line).
fn push_comment(text: &mut String, line: &str) {
    if line.is_empty() {
        text.push_str("#\n");
    } else {
        text.push_str(&format!("# {line}\n"));
    }
}

/// `paragraph` as comment lines of at most `WIDTH` characters where the
/// words allow.
fn push_wrapped(text: &mut String, paragraph: &str) {
    let mut line = String::new();
    for word in paragraph.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > WIDTH - 2 {
            push_comment(text, &line);
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    push_comment(text, &line);
}

/// A TOML value on one line. A distribution table lists `dist` first, then
/// its parameters in the order people write them.
fn inline_value(value: &toml::Value) -> String {
    const ORDER: [&str; 11] = [
        "dist", "value", "min", "mode", "max", "mean", "sd", "median", "sigma", "values", "weights",
    ];
    match value {
        toml::Value::Table(table) => {
            let rank = |key: &str| {
                ORDER
                    .iter()
                    .position(|known| *known == key)
                    .unwrap_or(ORDER.len())
            };
            let mut keys: Vec<&String> = table.keys().collect();
            keys.sort_by_key(|key| (rank(key), key.as_str()));
            let entries: Vec<String> = keys
                .into_iter()
                .map(|key| format!("{} = {}", inline_key(key), inline_value(&table[key])))
                .collect();
            if entries.is_empty() {
                "{}".to_string()
            } else {
                format!("{{ {} }}", entries.join(", "))
            }
        }
        toml::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(inline_value).collect();
            format!("[{}]", items.join(", "))
        }
        toml::Value::String(_)
        | toml::Value::Integer(_)
        | toml::Value::Float(_)
        | toml::Value::Boolean(_)
        | toml::Value::Datetime(_) => value.to_string(),
    }
}

/// A key of an inline table: bare when TOML allows it, else quoted.
fn inline_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare {
        key.to_string()
    } else {
        toml::Value::String(key.to_string()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{BASELINE_TOML, Scenario};

    #[test]
    fn every_key_has_its_reference_in_file_order() {
        let listed: Vec<(&str, &str)> = SECTIONS
            .iter()
            .flat_map(|(section, keys)| keys.iter().map(move |key| (*section, *key)))
            .collect();
        let documented: Vec<(&str, &str)> = KEYS.iter().map(|doc| (doc.section, doc.key)).collect();
        assert_eq!(documented, listed);
        for doc in KEYS {
            assert!(
                !doc.meaning.is_empty() && !doc.allowed.is_empty(),
                "{doc:?}"
            );
            assert!(!doc.allowed.ends_with('.'), "{doc:?}");
        }
    }

    /// The sections of a scenario as Debug text: every resolved value.
    fn values(scenario: &Scenario) -> String {
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
            scenario.simulation,
            scenario.arrivals,
            scenario.customer,
            scenario.shipping,
            scenario.datacenter,
            scenario.policy
        )
    }

    fn round_trip(overrides: &[&str]) {
        let overrides: Vec<String> = overrides.iter().map(|text| text.to_string()).collect();
        let scenario = Scenario::from_overrides(&overrides).unwrap();
        let text = commented_toml(&scenario.resolved, CommentedMode::Resolved, &[]);
        let again = Scenario::from_toml(&text, "shown.toml", None, &[])
            .unwrap_or_else(|error| panic!("{error}\n{text}"));
        assert_eq!(values(&again), values(&scenario), "{text}");
        assert_eq!(again.resolved, scenario.resolved);
        // Every key's value is on a line of its own, uncommented.
        for (section, keys) in &scenario.resolved {
            for key in keys.as_table().unwrap().keys() {
                assert!(
                    text.lines()
                        .any(|line| line.starts_with(&format!("{key} = "))),
                    "{section}.{key} missing from\n{text}"
                );
            }
        }
    }

    #[test]
    fn resolved_text_loads_back_to_the_same_values() {
        round_trip(&[]);
        round_trip(&[
            "simulation.name=study",
            "simulation.start=2027-03-01T12:30:00.250Z",
            "arrivals.process=count",
            "arrivals.count=5000",
            "arrivals.data_per_drive_tb={ dist = \"empirical\", values = [1, 2.5, 16], weights = [3, 1, 0.5] }",
            "customer.ship_delay={ dist = \"triangular\", min = \"1d\", mode = \"2d 6h\", max = \"9d\" }",
            "datacenter.copy_throughput_mb_s={ dist = \"normal\", mean = 95.5, sd = 12 }",
            "datacenter.copy_lag.max=5d",
            "shipping.lost_package_probability=1e-7",
            "policy.cancellable_states=[]",
            "policy.retention=\"1d 1ms\"",
        ]);
    }

    #[test]
    fn starter_text_changes_nothing() {
        let baseline = Scenario::baseline();
        let text = commented_toml(&baseline.resolved, CommentedMode::Starter, &[]);
        assert!(
            text.lines()
                .all(|line| line.is_empty() || line.starts_with('#') || line.starts_with('[')),
            "{text}"
        );
        let named = Scenario::from_toml(&text, "starter.toml", None, &[]).unwrap();
        assert_eq!(values(&named), values(&baseline));
        // Uncommenting every key gives the baseline back, value for value.
        let body = &text[text.find("\n[").unwrap()..];
        let uncommented: String = body
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest)
                    if rest.split_once(" = ").is_some_and(|(key, _)| {
                        !key.contains(' ') && key != "count" && key != "trace"
                    }) =>
                {
                    format!("{rest}\n")
                }
                _ => format!("{line}\n"),
            })
            .collect();
        let full = Scenario::from_toml(&uncommented, "full.toml", None, &[]).unwrap();
        let baseline_table: toml::Table = BASELINE_TOML.parse().unwrap();
        assert_eq!(full.resolved, baseline_table, "{uncommented}");
    }

    #[test]
    fn comments_are_wrapped() {
        let text = commented_toml(&Scenario::baseline().resolved, CommentedMode::Resolved, &[]);
        for line in text.lines().filter(|line| line.starts_with('#')) {
            assert!(line.chars().count() <= WIDTH, "{line}");
        }
    }
}
