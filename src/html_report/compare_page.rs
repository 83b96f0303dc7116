//! The report of a compare directory (`compare.csv`, `compare.guards.csv`,
//! `compare.jobs.csv`, `baseline/`, `candidate/`).
//!
//! Metrics have different units, so the forest plot puts every difference on
//! one scale: percent of the baseline mean, `100 x diff / |baseline|` (and
//! its interval the same way). It shows every significant difference, except
//! the count twins of fractions (`jobs.<outcome>.count`, `events.<event>.jobs`
//! say what their `.fraction` says), and every guarded metric, significant or
//! not, with its guard's limit (the allowed change over the baseline mean,
//! upwards for `max_increase*`, downwards for `max_decrease*`). A metric whose
//! baseline mean is 0 (or absent) has no relative change: it is listed in a
//! table in its own unit instead.

use std::collections::BTreeMap;
use std::path::Path;

use super::charts::{self, ForestChart, ForestRow, WIDE};
use super::page::{Figure, Page, Table, TableRow, VerdictKind, interval, number, optional, signed};
use super::read::{CsvInput, InputError, RunJson, changed_keys, read_end_to_end};
use super::run_page::{cdf_chart, key_table};
use super::{MetricUnit, metric_unit};

/// Example jobs the page lists at most.
const MAX_EXAMPLE_JOBS: usize = 20;

/// One row of `compare.csv`.
#[derive(Clone, Debug)]
struct Compared {
    metric: String,
    baseline: Option<f64>,
    candidate: Option<f64>,
    diff: Option<f64>,
    ci95: Option<(f64, f64)>,
    significant: bool,
}

/// One row of `compare.guards.csv`.
#[derive(Clone, Debug)]
struct GuardRow {
    metric: String,
    /// `max_increase`, `max_increase_pct`, `max_decrease` or `max_decrease_pct`.
    limit: String,
    amount: f64,
    /// The allowed change in the metric's unit; `None` when it has none.
    allowed: Option<f64>,
    diff: Option<f64>,
    ci95: Option<(f64, f64)>,
    failed: bool,
}

/// What `compare.jobs.csv` says: how many jobs changed outcome, how, and
/// the first few.
#[derive(Clone, Debug, Default)]
struct ChangedJobs {
    total: u64,
    /// (baseline outcome, candidate outcome) -> jobs.
    transitions: BTreeMap<(String, String), u64>,
    /// The first rows, as written.
    examples: Vec<Vec<String>>,
}

/// The page of the comparison in `dir`.
pub(super) fn render(dir: &Path) -> Result<String, InputError> {
    let compared = read_compare_csv(&dir.join("compare.csv"))?;
    let guards_path = dir.join("compare.guards.csv");
    let guards = if guards_path.is_file() {
        read_guards_csv(&guards_path)?
    } else {
        Vec::new()
    };
    let baseline = RunJson::read(&dir.join("baseline").join("run.json"))?;
    let candidate = RunJson::read(&dir.join("candidate").join("run.json"))?;
    let end_to_end = |run: &RunJson, folder: &str| -> Result<Vec<f64>, InputError> {
        let warmup = run.duration_days("simulation.warmup")?;
        let from = run.metrics_from()?;
        read_end_to_end(
            &dir.join(folder).join("jobs.csv"),
            (warmup > 0.0).then_some(from),
        )
    };
    let baseline_days = end_to_end(&baseline, "baseline")?;
    let candidate_days = end_to_end(&candidate, "candidate")?;
    let changed = read_changed_jobs(&dir.join("compare.jobs.csv"))?;

    let mut page = Page::new(&format!("impexsim compare: {}", baseline.scenario_name));
    let changes = changed_keys(&candidate.resolved_scenario, &baseline.resolved_scenario);
    page.h1(&if candidate.scenario_name == baseline.scenario_name {
        format!("Compare: {}", baseline.scenario_name)
    } else {
        format!(
            "Compare: {} against {}",
            candidate.scenario_name, baseline.scenario_name
        )
    });
    let failed: Vec<&str> = guards
        .iter()
        .filter(|guard| guard.failed)
        .map(|guard| guard.metric.as_str())
        .collect();
    let significant = compared.iter().filter(|metric| metric.significant).count();
    match (guards.len(), failed.len()) {
        (0, _) => page.verdict(
            VerdictKind::Neutral,
            &format!(
                "No guards: {significant} of {} metrics moved significantly (95%)",
                compared.len()
            ),
        ),
        (total, 0) => page.verdict(VerdictKind::Pass, &format!("PASS: all {total} guards hold")),
        (total, n_failed) => page.verdict(
            VerdictKind::Fail,
            &format!(
                "FAIL: {n_failed} of {total} guards failed ({})",
                failed.join(", ")
            ),
        ),
    }
    page.facts(&[
        ("baseline", baseline.scenario_name.clone()),
        ("candidate", candidate.scenario_name.clone()),
        (
            "paired replications",
            format!(
                "{} (seed {}, the same for both: common random numbers)",
                baseline.replications, baseline.seed
            ),
        ),
        ("impexsim version", baseline.tool_version.clone()),
        ("command", baseline.command.join(" ")),
    ]);

    page.h2("change", "What the candidate changes");
    if changes.is_empty() {
        page.paragraph("Nothing: the candidate resolves to the baseline's scenario.");
    } else {
        page.table(
            "changed-keys",
            &key_table(&changes, "candidate", "baseline"),
        );
    }

    if !guards.is_empty() {
        page.h2("guards", "Guards");
        page.table("guards", &guard_table(&guards));
        page.note(
            "A guard fails when the paired difference is beyond its limit and significant at \
             95%, so noise alone never fails it.",
        );
    }

    page.h2("differences", "Paired differences");
    let (relative, absolute) = forest_rows(&compared, &guards);
    if relative.is_empty() {
        page.paragraph("No metric with a baseline other than 0 moved significantly.");
    } else {
        page.figures(&[Figure {
            id: "chart-differences".into(),
            svg: charts::forest_chart(&ForestChart {
                title: "Candidate - baseline, in percent of the baseline mean".into(),
                x_title: "paired difference [% of baseline mean]".into(),
                width: WIDE.width,
                rows: relative,
            }),
            caption: format!(
                "Every significant difference (count twins of fractions left out) and every \
                 guarded metric, largest first; dots are mean paired differences over {} \
                 replications, whiskers their 95% intervals, black strokes the guard limits.",
                baseline.replications
            ),
        }]);
    }
    page.h2("end-to-end", "End-to-end time");
    if baseline_days.is_empty() && candidate_days.is_empty() {
        page.paragraph("No job finished in either run.");
    } else {
        let (chart, cut) = cdf_chart(
            "End-to-end time (CDF), baseline and candidate",
            &[("baseline", &baseline_days), ("candidate", &candidate_days)],
            WIDE,
        );
        page.figures(&[Figure {
            id: "chart-end-to-end".into(),
            svg: charts::line_chart(&chart),
            caption: format!(
                "Created to Completed or Closed, all replications pooled: {} finished jobs in the \
                 baseline, {} in the candidate; dashed lines mark each one's p50, p90 and p99.{cut}",
                baseline_days.len(),
                candidate_days.len()
            ),
        }]);
    }

    page.h2("numbers", "The differences in numbers");
    if !absolute.is_empty() {
        page.h3("From a baseline of 0 (in the metric's unit)");
        page.table("differences-from-zero", &absolute_table(&absolute, &guards));
    }
    page.table("significant", &difference_table(&compared));

    page.h2("jobs", "Jobs whose outcome changed");
    jobs_section(&mut page, &changed);
    Ok(page.finish())
}

fn read_compare_csv(path: &Path) -> Result<Vec<Compared>, InputError> {
    let mut input = CsvInput::open(path)?;
    let metric = input.column("metric")?;
    let baseline = input.column("baseline_mean")?;
    let candidate = input.column("candidate_mean")?;
    let diff = input.column("diff_mean")?;
    let low = input.column("diff_ci95_low")?;
    let high = input.column("diff_ci95_high")?;
    let significant = input.column("significant")?;
    let mut rows = Vec::new();
    while input.next_row()? {
        rows.push(Compared {
            metric: input.text(metric).to_string(),
            baseline: input.number(baseline)?,
            candidate: input.number(candidate)?,
            diff: input.number(diff)?,
            ci95: input.number(low)?.zip(input.number(high)?),
            significant: boolean(&input, significant)?,
        });
    }
    Ok(rows)
}

fn read_guards_csv(path: &Path) -> Result<Vec<GuardRow>, InputError> {
    let mut input = CsvInput::open(path)?;
    let metric = input.column("metric")?;
    let limit = input.column("limit")?;
    let amount = input.column("amount")?;
    let allowed = input.column("allowed")?;
    let diff = input.column("diff_mean")?;
    let low = input.column("diff_ci95_low")?;
    let high = input.column("diff_ci95_high")?;
    let result = input.column("result")?;
    let mut rows = Vec::new();
    while input.next_row()? {
        let kind = input.text(limit);
        if !matches!(
            kind,
            "max_increase" | "max_increase_pct" | "max_decrease" | "max_decrease_pct"
        ) {
            return Err(input.error(
                limit,
                format!(
                    "expected max_increase, max_increase_pct, max_decrease or \
                     max_decrease_pct, got `{kind}`"
                ),
            ));
        }
        let failed = match input.text(result) {
            "pass" => false,
            "fail" => true,
            other => {
                return Err(input.error(result, format!("expected pass or fail, got `{other}`")));
            }
        };
        rows.push(GuardRow {
            metric: input.text(metric).to_string(),
            limit: kind.to_string(),
            amount: input.required_number(amount)?,
            allowed: input.number(allowed)?,
            diff: input.number(diff)?,
            ci95: input.number(low)?.zip(input.number(high)?),
            failed,
        });
    }
    Ok(rows)
}

fn boolean(input: &CsvInput, column: usize) -> Result<bool, InputError> {
    match input.text(column) {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(input.error(column, format!("expected true or false, got `{other}`"))),
    }
}

/// Streams `compare.jobs.csv`: counts, transitions and the first rows.
fn read_changed_jobs(path: &Path) -> Result<ChangedJobs, InputError> {
    let mut input = CsvInput::open(path)?;
    let columns = [
        "replication",
        "job",
        "baseline_outcome",
        "candidate_outcome",
        "baseline_end_to_end_days",
        "candidate_end_to_end_days",
    ]
    .map(|name| input.column(name));
    let mut indexes = [0; 6];
    for (slot, column) in indexes.iter_mut().zip(columns) {
        *slot = column?;
    }
    let mut changed = ChangedJobs::default();
    while input.next_row()? {
        input.count(indexes[0])?;
        changed.total += 1;
        let transition = (
            input.text(indexes[2]).to_string(),
            input.text(indexes[3]).to_string(),
        );
        *changed.transitions.entry(transition).or_insert(0) += 1;
        if changed.examples.len() < MAX_EXAMPLE_JOBS {
            changed.examples.push(
                indexes
                    .iter()
                    .map(|column| input.text(*column).to_string())
                    .collect(),
            );
        }
    }
    Ok(changed)
}

/// `jobs.<outcome>.count` and `events.<event>.jobs` repeat their fractions.
fn is_count_twin(name: &str) -> bool {
    (name.starts_with("jobs.") && name.ends_with(".count"))
        || (name.starts_with("events.") && name.ends_with(".jobs"))
}

/// The forest rows in percent of the baseline (largest change first), and
/// the metrics shown that have no baseline to divide by.
fn forest_rows<'a>(
    compared: &'a [Compared],
    guards: &[GuardRow],
) -> (Vec<ForestRow>, Vec<&'a Compared>) {
    let guarded = |name: &str| guards.iter().any(|guard| guard.metric == name);
    let mut relative: Vec<(f64, ForestRow)> = Vec::new();
    let mut absolute = Vec::new();
    for metric in compared {
        if !(guarded(&metric.metric) || (metric.significant && !is_count_twin(&metric.metric))) {
            continue;
        }
        let (Some(diff), Some(baseline)) = (metric.diff, metric.baseline) else {
            absolute.push(metric);
            continue;
        };
        if baseline == 0.0 {
            absolute.push(metric);
            continue;
        }
        let percent = |value: f64| value / baseline.abs() * 100.0;
        let own_guards: Vec<&GuardRow> = guards
            .iter()
            .filter(|guard| guard.metric == metric.metric)
            .collect();
        let limits = own_guards
            .iter()
            .filter_map(|guard| {
                let sign = if guard.limit.starts_with("max_decrease") {
                    -1.0
                } else {
                    1.0
                };
                Some(sign * percent(guard.allowed?))
            })
            .collect();
        let alert = own_guards.iter().any(|guard| guard.failed);
        let row = ForestRow {
            label: metric.metric.clone(),
            value: percent(diff),
            ci95: metric.ci95.map(|(low, high)| (percent(low), percent(high))),
            limits,
            alert,
        };
        relative.push((percent(diff).abs(), row));
    }
    // Stable: equal changes keep summary.csv's order.
    relative.sort_by(|a, b| b.0.total_cmp(&a.0));
    (relative.into_iter().map(|(_, row)| row).collect(), absolute)
}

fn guard_table(guards: &[GuardRow]) -> Table {
    Table {
        header: vec![
            "metric".into(),
            "limit".into(),
            "allowed change".into(),
            "difference".into(),
            "95% interval".into(),
            "unit".into(),
            "result".into(),
        ],
        rows: guards
            .iter()
            .map(|guard| {
                let limit = if guard.limit.ends_with("_pct") {
                    format!("{} {}%", guard.limit, number(guard.amount))
                } else {
                    format!("{} {}", guard.limit, number(guard.amount))
                };
                TableRow {
                    cells: vec![
                        guard.metric.clone(),
                        limit,
                        optional(guard.allowed),
                        guard.diff.map_or_else(|| "-".into(), signed),
                        interval(guard.ci95),
                        native_unit(&guard.metric).to_string(),
                        if guard.failed { "FAIL" } else { "PASS" }.to_string(),
                    ],
                    alert: guard.failed,
                }
            })
            .collect(),
        numeric: vec![2, 3, 4],
        code: vec![0, 1],
    }
}

/// The unit a metric's own values are in (`compare.csv` writes fractions
/// as fractions).
fn native_unit(metric: &str) -> &'static str {
    let MetricUnit { unit, scale } = metric_unit(metric);
    if scale == 1.0 { unit } else { "fraction" }
}

fn absolute_table(rows: &[&Compared], guards: &[GuardRow]) -> Table {
    Table {
        header: vec![
            "metric".into(),
            "baseline".into(),
            "candidate".into(),
            "difference".into(),
            "95% interval".into(),
            "unit".into(),
        ],
        rows: rows
            .iter()
            .map(|metric| TableRow {
                cells: vec![
                    metric.metric.clone(),
                    optional(metric.baseline),
                    optional(metric.candidate),
                    metric.diff.map_or_else(|| "-".into(), signed),
                    interval(metric.ci95),
                    native_unit(&metric.metric).to_string(),
                ],
                alert: guards
                    .iter()
                    .any(|guard| guard.metric == metric.metric && guard.failed),
            })
            .collect(),
        numeric: vec![1, 2, 3, 4],
        code: vec![0],
    }
}

/// Every significant metric with its numbers, in `compare.csv` order.
fn difference_table(compared: &[Compared]) -> Table {
    Table {
        header: vec![
            "significant metric".into(),
            "baseline".into(),
            "candidate".into(),
            "difference".into(),
            "95% interval".into(),
            "unit".into(),
        ],
        rows: compared
            .iter()
            .filter(|metric| metric.significant)
            .map(|metric| TableRow {
                cells: vec![
                    metric.metric.clone(),
                    optional(metric.baseline),
                    optional(metric.candidate),
                    metric.diff.map_or_else(|| "-".into(), signed),
                    interval(metric.ci95),
                    native_unit(&metric.metric).to_string(),
                ],
                alert: false,
            })
            .collect(),
        numeric: vec![1, 2, 3, 4],
        code: vec![0],
    }
}

fn jobs_section(page: &mut Page, changed: &ChangedJobs) {
    if changed.total == 0 {
        page.paragraph("No job's outcome changed.");
        return;
    }
    page.paragraph(&format!(
        "{} jobs (over all replications) ended differently under the candidate \
         (compare.jobs.csv lists them all).",
        changed.total
    ));
    let mut transitions: Vec<(&(String, String), &u64)> = changed.transitions.iter().collect();
    transitions.sort_by(|a, b| b.1.cmp(a.1));
    let shown = |outcome: &str| {
        if outcome.is_empty() {
            "(no such job)".to_string()
        } else {
            outcome.to_string()
        }
    };
    page.table(
        "transitions",
        &Table {
            header: vec![
                "baseline outcome".into(),
                "candidate outcome".into(),
                "jobs".into(),
            ],
            rows: transitions
                .iter()
                .map(|((from, to), count)| TableRow {
                    cells: vec![shown(from), shown(to), count.to_string()],
                    alert: false,
                })
                .collect(),
            numeric: vec![2],
            code: Vec::new(),
        },
    );
    page.h3(&format!(
        "Examples: the first {} of them",
        changed.examples.len()
    ));
    page.table(
        "example-jobs",
        &Table {
            header: vec![
                "replication".into(),
                "job".into(),
                "baseline outcome".into(),
                "candidate outcome".into(),
                "baseline end to end [days]".into(),
                "candidate end to end [days]".into(),
            ],
            rows: changed
                .examples
                .iter()
                .map(|row| TableRow {
                    cells: row
                        .iter()
                        .enumerate()
                        .map(|(column, cell)| match column {
                            2 | 3 => shown(cell),
                            _ if cell.is_empty() => "-".to_string(),
                            _ => cell.clone(),
                        })
                        .collect(),
                    alert: false,
                })
                .collect(),
            numeric: vec![0, 4, 5],
            code: vec![1],
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compared(metric: &str, baseline: f64, diff: f64, significant: bool) -> Compared {
        Compared {
            metric: metric.into(),
            baseline: Some(baseline),
            candidate: Some(baseline + diff),
            diff: Some(diff),
            ci95: Some((diff - 1.0, diff + 1.0)),
            significant,
        }
    }

    #[test]
    fn forest_rows_are_relative_sorted_and_carry_guard_limits() {
        let rows = [
            compared("jobs.expired.count", 10.0, 5.0, true),
            compared("jobs.expired.fraction", 0.1, 0.05, true),
            compared("end_to_end_days.p90", 20.0, -2.0, true),
            compared("operator_contacts", 40.0, 1.0, false),
            compared("drives.destroyed", 0.0, 3.0, true),
            compared("copy.utilisation", 0.5, 0.0, false),
        ];
        let guards = [
            GuardRow {
                metric: "operator_contacts".into(),
                limit: "max_increase_pct".into(),
                amount: 10.0,
                allowed: Some(4.0),
                diff: Some(1.0),
                ci95: None,
                failed: false,
            },
            GuardRow {
                metric: "end_to_end_days.p90".into(),
                limit: "max_decrease".into(),
                amount: 1.0,
                allowed: Some(1.0),
                diff: Some(-2.0),
                ci95: None,
                failed: true,
            },
        ];
        let (relative, absolute) = forest_rows(&rows, &guards);
        let labels: Vec<&str> = relative.iter().map(|row| row.label.as_str()).collect();
        // +50%, -10%, +2.5%; the count twin and the unguarded,
        // insignificant metric are left out.
        assert_eq!(
            labels,
            [
                "jobs.expired.fraction",
                "end_to_end_days.p90",
                "operator_contacts"
            ]
        );
        assert!((relative[0].value - 50.0).abs() < 1e-9);
        assert_eq!(relative[1].limits, [-5.0]);
        assert!(relative[1].alert);
        assert_eq!(relative[2].limits, [10.0]);
        assert_eq!(relative[2].ci95, Some((0.0, 5.0)));
        assert_eq!(absolute.len(), 1);
        assert_eq!(absolute[0].metric, "drives.destroyed");
    }
}
