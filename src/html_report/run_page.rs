//! The report of a run directory (`run.json`, `summary.csv`, `jobs.csv`,
//! `timeseries.csv`).
//!
//! Values are those of `summary.csv` (means over replications, with their
//! 95% intervals when there are several), except two things the summary does
//! not hold: the end-to-end CDF, from every finished job of `jobs.csv` (all
//! replications pooled, the warm-up's jobs left out as in the metrics), and
//! the time series, from `timeseries.csv` (one line, or with replications the
//! mean of the replications still running that day and a band from the
//! lowest to the highest).

use std::collections::BTreeSet;
use std::path::Path;

use super::charts::{
    self, Bar, BarChart, BarSeries, HALF, HBarChart, INK, Line, LineChart, Marker, Size, WIDE,
    XAxis, colour,
};
use super::page::{Figure, Page, Table, TableRow, interval, number, optional};
use super::read::{
    CsvInput, Estimate, InputError, RunJson, Summary, baseline_scenario, changed_keys,
    read_end_to_end,
};
use super::{MetricUnit, metric_unit};
use crate::model::{EventKind, JobState, Outcome};
use crate::report::percentile;

/// The resources, as metric names and time series columns name them.
const RESOURCES: [&str; 3] = ["receiving", "copy", "packaging"];

/// What each resource's servers are, and the scenario key of their number.
const SERVERS: [(&str, &str); 3] = [
    ("receiving staff", "datacenter.receiving_staff"),
    ("copy stations", "datacenter.copy_stations"),
    ("packaging staff", "datacenter.packaging_staff"),
];

/// What each resource's queue holds.
const QUEUED: [&str; 3] = ["packages", "drives", "jobs"];

/// Metrics of the headline table.
const HEADLINE_METRICS: [&str; 12] = [
    "jobs.total",
    "end_to_end_days.p50",
    "end_to_end_days.p90",
    "end_to_end_days.p99",
    "end_to_end_days.mean",
    "drives_on_site.mean",
    "drives_on_site.peak",
    "drives.destroyed",
    "operator_contacts.per_week",
    "copy.queue_wait_days.mean",
    "copy.queue_wait_days.p90",
    "copy.queue_length.max",
];

/// The `timeseries.csv` columns charted, in this order.
const SERIES_COLUMNS: [&str; 7] = [
    "drives_on_site",
    "receiving_queue",
    "copy_queue",
    "packaging_queue",
    "receiving_busy",
    "copy_busy",
    "packaging_busy",
];

/// Where a CDF's x axis stops, in multiples of its largest p99.
const CDF_CUT: f64 = 1.5;

/// A day beyond which `timeseries.csv` is not believed (a run is at most a
/// few thousand days).
const MAX_DAY: u64 = 1_000_000;

/// The page of the run in `dir`.
pub(super) fn render(dir: &Path) -> Result<String, InputError> {
    let run = RunJson::read(&dir.join("run.json"))?;
    let summary = Summary::read(&dir.join("summary.csv"))?;
    let warmup_days = run.duration_days("simulation.warmup")?;
    let from = run.metrics_from()?;
    let end_to_end = read_end_to_end(&dir.join("jobs.csv"), (warmup_days > 0.0).then_some(from))?;
    let series = Timeseries::read(&dir.join("timeseries.csv"))?;

    let mut page = Page::new(&format!("impexsim run: {}", run.scenario_name));
    page.h1(&format!("Run: {}", run.scenario_name));
    page.facts(&run_facts(&run));
    let several = summary.get("jobs.total").n > 1;
    page.note(&if several {
        format!(
            "Values are means over {} replications; whiskers and bands are 95% intervals \
             (Student t) unless a caption says otherwise.",
            run.replications
        )
    } else {
        "One replication: values have no interval (run with --replications N for them).".to_string()
    });

    page.h2(
        "scenario",
        "Scenario keys that differ from the embedded baseline",
    );
    let changes = changed_keys(&run.resolved_scenario, &baseline_scenario());
    if changes.is_empty() {
        page.paragraph("Every key has the embedded baseline's value.");
    } else {
        page.table(
            "scenario-keys",
            &key_table(&changes, "this run", "baseline"),
        );
    }

    page.h2("outcomes", "Outcomes and end-to-end time");
    let mut figures = vec![Figure {
        id: "chart-outcomes".into(),
        svg: charts::bar_chart(&outcome_chart(&summary)),
        caption: format!(
            "How the jobs created after the warm-up ended; jobs: {}{}.",
            optional(summary.get("jobs.total").mean),
            if several {
                " a replication, on average"
            } else {
                ""
            }
        ),
    }];
    if end_to_end.is_empty() {
        page.note("No job finished: there is no end-to-end time to show.");
    } else {
        let (chart, cut) = cdf_chart(
            "End-to-end time (CDF)",
            &[("finished jobs", &end_to_end)],
            HALF,
        );
        figures.push(Figure {
            id: "chart-end-to-end".into(),
            svg: charts::line_chart(&chart),
            caption: format!(
                "Created to Completed or Closed, {} finished jobs of all replications pooled \
                 (summary.csv averages each replication's percentiles instead).{cut}",
                end_to_end.len()
            ),
        });
    }
    page.figures(&figures);

    page.h2("time", "Time in each state and utilisation");
    page.figures(&[
        Figure {
            id: "chart-state-time".into(),
            svg: charts::bar_chart(&state_chart(&summary)),
            caption: "All visits to a state summed, over the jobs that entered it.".into(),
        },
        Figure {
            id: "chart-utilisation".into(),
            svg: charts::bar_chart(&utilisation_chart(&summary)),
            caption: "Busy time over capacity x (horizon - warm-up).".into(),
        },
    ]);

    page.h2("over-time", "Over time");
    if series.days.is_empty() {
        page.note("timeseries.csv holds no rows: the run ended before its first snapshot.");
    } else {
        let band = if series.replications > 1 {
            format!(
                "the line is the mean of the {} replications still running that day, the band \
                 runs from the lowest to the highest",
                series.replications
            )
        } else {
            "one replication".to_string()
        };
        page.figures(&[
            Figure {
                id: "chart-drives-on-site".into(),
                svg: charts::line_chart(&series.chart(
                    "Drives on site",
                    "drives on site [drives]",
                    &[(0, "drives on site".to_string(), 1.0)],
                    warmup_days,
                    WIDE,
                )),
                caption: format!(
                    "Daily snapshots from the end of the warm-up; {band}. Drives are on site \
                     from carrier delivery until shipped back or destroyed."
                ),
            },
            Figure {
                id: "chart-queues".into(),
                svg: charts::line_chart(
                    &series.chart(
                        "Queue lengths",
                        "waiting [items]",
                        &RESOURCES
                            .iter()
                            .zip(QUEUED)
                            .enumerate()
                            .map(|(index, (resource, items))| {
                                (1 + index, format!("{resource} ({items})"), 1.0)
                            })
                            .collect::<Vec<_>>(),
                        warmup_days,
                        HALF,
                    ),
                ),
                caption: format!("Items waiting for each resource, daily; {band}."),
            },
            busy_figure(&series, &run, warmup_days, &band),
        ]);
    }

    page.h2("events", "Error events by frequency");
    events_section(&mut page, &summary);

    page.h2("metrics", "Headline metrics");
    page.table(
        "headline-metrics",
        &metric_table(&summary, &HEADLINE_METRICS),
    );
    page.note("Every metric is in summary.csv; the README lists them with their units.");
    Ok(page.finish())
}

/// Scenario, seed, replications, jobs, version and command of a run.
pub(super) fn run_facts(run: &RunJson) -> Vec<(&'static str, String)> {
    let mut facts = vec![
        ("scenario", run.scenario_name.clone()),
        ("seed", run.seed.to_string()),
        ("replications", run.replications.to_string()),
    ];
    if let Some(jobs) = run.jobs {
        facts.push(("job rows", jobs.to_string()));
    }
    facts.push(("impexsim version", run.tool_version.clone()));
    if !run.command.is_empty() {
        facts.push(("command", run.command.join(" ")));
    }
    facts
}

/// A table of changed scenario keys: key, this value, the other one.
pub(super) fn key_table(changes: &[super::read::KeyChange], this: &str, other: &str) -> Table {
    Table {
        header: vec!["key".into(), this.into(), other.into()],
        rows: changes
            .iter()
            .map(|change| TableRow {
                cells: vec![
                    change.key.clone(),
                    change.value.clone().unwrap_or_else(|| "(not set)".into()),
                    change
                        .reference
                        .clone()
                        .unwrap_or_else(|| "(not set)".into()),
                ],
                alert: false,
            })
            .collect(),
        numeric: Vec::new(),
        code: vec![0, 1, 2],
    }
}

/// A bar for a metric, scaled for display; `None` without a value.
fn bar(estimate: Estimate, scale: f64) -> Option<Bar> {
    Some(Bar {
        value: estimate.mean? * scale,
        ci95: estimate.ci95.map(|(low, high)| (low * scale, high * scale)),
    })
}

fn percent_label(value: f64) -> String {
    format!("{value:.1}%")
}

fn outcome_chart(summary: &Summary) -> BarChart {
    BarChart {
        title: "Outcomes".into(),
        y_title: "share of jobs [%]".into(),
        size: HALF,
        categories: Outcome::ALL
            .iter()
            .map(|outcome| outcome.as_str().to_string())
            .collect(),
        series: vec![BarSeries {
            name: "share of jobs".into(),
            colour: colour(0),
            bars: Outcome::ALL
                .iter()
                .map(|outcome| {
                    bar(
                        summary.get(&format!("jobs.{}.fraction", outcome.as_str())),
                        100.0,
                    )
                })
                .collect(),
        }],
        y_range: None,
        value_label: Some(percent_label),
    }
}

/// The end-to-end CDF of each named sample (sorted), with its p50, p90 and
/// p99 marked (labelled on the plot for one sample, in the legend for
/// several). The x axis stops at `CDF_CUT` x the largest p99, so the long
/// tail does not squeeze the body of the curve; the caption says so, with the
/// longest time, when a sample reaches past it.
pub(super) fn cdf_chart(
    title: &str,
    samples: &[(&str, &[f64])],
    size: Size,
) -> (LineChart, String) {
    let one = samples.len() == 1;
    let largest_p99 = samples
        .iter()
        .filter_map(|(_, values)| percentile(values, 0.99))
        .fold(0.0, f64::max);
    let cut = largest_p99 * CDF_CUT;
    let longest = samples
        .iter()
        .filter_map(|(_, values)| values.last().copied())
        .fold(0.0, f64::max);
    let cut = (longest > cut && cut > 0.0).then_some(cut);
    let mut lines = Vec::new();
    let mut markers = Vec::new();
    for (index, (name, values)) in samples.iter().enumerate() {
        let line_colour = colour(index);
        let mut marked = Vec::new();
        for (p, label) in [(0.5, "p50"), (0.9, "p90"), (0.99, "p99")] {
            if let Some(x) = percentile(values, p) {
                marked.push(format!("{label} {} d", number(x)));
                markers.push(Marker {
                    x,
                    label: if one {
                        format!("{label} {} d", number(x))
                    } else {
                        String::new()
                    },
                    colour: if one { INK } else { line_colour },
                });
            }
        }
        let mut points = charts::cdf_points(values);
        if let Some(cut) = cut {
            points.retain(|(x, _)| *x <= cut);
        }
        lines.push(Line {
            name: if one {
                name.to_string()
            } else {
                format!("{name}: {}", marked.join(", "))
            },
            colour: line_colour,
            points,
            band: Vec::new(),
            dots: false,
        });
    }
    let note = match cut {
        Some(cut) => format!(
            " The axis stops at {CDF_CUT} x p99 ({} d); the longest job took {} d.",
            number(cut),
            number(longest)
        ),
        None => String::new(),
    };
    let chart = LineChart {
        title: title.into(),
        x_title: "end-to-end time [days]".into(),
        y_title: "jobs finished within [%]".into(),
        size,
        x_axis: XAxis::Numeric,
        legend: !one,
        lines,
        markers,
        y_range: Some((0.0, 100.0)),
    };
    (chart, note)
}

fn state_chart(summary: &Summary) -> BarChart {
    let states: Vec<String> = JobState::OPEN
        .iter()
        .map(|state| state.as_str().to_lowercase())
        .collect();
    let series = ["p50", "mean", "p90"]
        .iter()
        .enumerate()
        .map(|(index, statistic)| BarSeries {
            name: statistic.to_string(),
            colour: colour(index),
            bars: states
                .iter()
                .map(|state| bar(summary.get(&format!("state_days.{state}.{statistic}")), 1.0))
                .collect(),
        })
        .collect();
    BarChart {
        title: "Time in each state".into(),
        y_title: "time in state [days]".into(),
        size: HALF,
        categories: states,
        series,
        y_range: None,
        value_label: None,
    }
}

fn utilisation_chart(summary: &Summary) -> BarChart {
    BarChart {
        title: "Utilisation per resource".into(),
        y_title: "utilisation [%]".into(),
        size: HALF,
        categories: RESOURCES.iter().map(|name| name.to_string()).collect(),
        series: vec![BarSeries {
            name: "utilisation".into(),
            colour: colour(2),
            bars: RESOURCES
                .iter()
                .map(|resource| bar(summary.get(&format!("{resource}.utilisation")), 100.0))
                .collect(),
        }],
        y_range: None,
        value_label: Some(percent_label),
    }
}

/// Busy servers of each resource, in percent of its capacity when the
/// scenario gives every capacity, else as counts.
fn busy_figure(series: &Timeseries, run: &RunJson, warmup_days: f64, band: &str) -> Figure {
    let capacities: Option<Vec<f64>> = SERVERS
        .iter()
        .map(|(_, key)| run.count_key(key).filter(|count| *count > 0.0))
        .collect();
    let (y_title, lines, caption) = match capacities {
        Some(capacities) => (
            "busy [% of capacity]",
            SERVERS
                .iter()
                .zip(&capacities)
                .enumerate()
                .map(|(index, ((servers, _), capacity))| {
                    (
                        4 + index,
                        format!("{servers} (of {capacity})"),
                        100.0 / capacity,
                    )
                })
                .collect::<Vec<_>>(),
            format!(
                "Servers at work at each daily snapshot, over the resource's capacity; {band}."
            ),
        ),
        None => (
            "busy [servers]",
            SERVERS
                .iter()
                .enumerate()
                .map(|(index, (servers, _))| (4 + index, servers.to_string(), 1.0))
                .collect(),
            format!("Servers at work at each daily snapshot; {band}."),
        ),
    };
    Figure {
        id: "chart-busy".into(),
        svg: charts::line_chart(&series.chart("Busy servers", y_title, &lines, warmup_days, HALF)),
        caption,
    }
}

/// The events chart and table, most frequent first; events no job met are
/// only counted.
fn events_section(page: &mut Page, summary: &Summary) {
    let mut met: Vec<(&'static str, Estimate, Estimate)> = EventKind::ALL
        .iter()
        .map(|kind| {
            let name = kind.as_str();
            (
                name,
                summary.get(&format!("events.{name}.fraction")),
                summary.get(&format!("events.{name}.jobs")),
            )
        })
        .filter(|(_, fraction, _)| fraction.mean.is_some_and(|share| share > 0.0))
        .collect();
    // Stable: ties keep the closed list's order.
    met.sort_by(|a, b| b.1.mean.unwrap_or(0.0).total_cmp(&a.1.mean.unwrap_or(0.0)));
    let unmet = EventKind::ALL.len() - met.len();
    if met.is_empty() {
        page.paragraph("No job met an error event.");
        return;
    }
    let chart = HBarChart {
        title: "Error events by frequency".into(),
        x_title: "jobs that met the event [% of jobs]".into(),
        width: WIDE.width,
        rows: met
            .iter()
            .filter_map(|(name, fraction, _)| Some((name.to_string(), bar(*fraction, 100.0)?)))
            .collect(),
        colour: colour(3),
        value_label: |value| format!("{value:.2}%"),
    };
    page.figures(&[Figure {
        id: "chart-events".into(),
        svg: charts::hbar_chart(&chart),
        caption: format!(
            "Share of jobs that met each event at least once; {unmet} of the {} events of the \
             closed list met no job.",
            EventKind::ALL.len()
        ),
    }]);
    page.table(
        "events",
        &Table {
            header: vec![
                "event".into(),
                "jobs".into(),
                "share of jobs [%]".into(),
                "95% interval [%]".into(),
            ],
            rows: met
                .iter()
                .map(|(name, fraction, jobs)| TableRow {
                    cells: vec![
                        name.to_string(),
                        optional(jobs.mean),
                        optional(fraction.mean.map(|share| share * 100.0)),
                        interval(fraction.ci95.map(|(low, high)| (low * 100.0, high * 100.0))),
                    ],
                    alert: false,
                })
                .collect(),
            numeric: vec![1, 2, 3],
            code: vec![0],
        },
    );
}

/// Metric, value, 95% interval and unit of each of `names`.
fn metric_table(summary: &Summary, names: &[&str]) -> Table {
    Table {
        header: vec![
            "metric".into(),
            "value".into(),
            "95% interval".into(),
            "unit".into(),
        ],
        rows: names
            .iter()
            .map(|name| {
                let estimate = summary.get(name);
                let MetricUnit { unit, scale } = metric_unit(name);
                TableRow {
                    cells: vec![
                        name.to_string(),
                        optional(estimate.mean.map(|value| value * scale)),
                        interval(estimate.ci95.map(|(low, high)| (low * scale, high * scale))),
                        unit.to_string(),
                    ],
                    alert: false,
                }
            })
            .collect(),
        numeric: vec![1, 2],
        code: vec![0],
    }
}

/// `timeseries.csv` folded day by day over replications.
struct Timeseries {
    /// Indexed by the `day` column.
    days: Vec<DayStats>,
    replications: usize,
}

/// One day's values of `SERIES_COLUMNS` over the replications that have it.
#[derive(Clone, Debug)]
struct DayStats {
    n: u32,
    sum: [f64; SERIES_COLUMNS.len()],
    min: [f64; SERIES_COLUMNS.len()],
    max: [f64; SERIES_COLUMNS.len()],
}

impl Default for DayStats {
    fn default() -> DayStats {
        DayStats {
            n: 0,
            sum: [0.0; SERIES_COLUMNS.len()],
            min: [f64::INFINITY; SERIES_COLUMNS.len()],
            max: [f64::NEG_INFINITY; SERIES_COLUMNS.len()],
        }
    }
}

impl Timeseries {
    /// Streams the file; memory holds one entry per day.
    fn read(path: &Path) -> Result<Timeseries, InputError> {
        let mut input = CsvInput::open(path)?;
        let replication = input.column("replication")?;
        let day = input.column("day")?;
        let mut columns = [0; SERIES_COLUMNS.len()];
        for (index, name) in SERIES_COLUMNS.iter().enumerate() {
            columns[index] = input.column(name)?;
        }
        let mut days: Vec<DayStats> = Vec::new();
        let mut replications = BTreeSet::new();
        while input.next_row()? {
            replications.insert(input.count(replication)?);
            let index = input.count(day)?;
            if index > MAX_DAY {
                return Err(
                    input.error(day, format!("expected a day up to {MAX_DAY}, got {index}"))
                );
            }
            let index = index as usize;
            if days.len() <= index {
                days.resize(index + 1, DayStats::default());
            }
            let stats = &mut days[index];
            stats.n += 1;
            for (slot, column) in columns.iter().enumerate() {
                let value = input.required_number(*column)?;
                stats.sum[slot] += value;
                stats.min[slot] = stats.min[slot].min(value);
                stats.max[slot] = stats.max[slot].max(value);
            }
        }
        Ok(Timeseries {
            days,
            replications: replications.len(),
        })
    }

    /// A line chart of the columns `(slot in SERIES_COLUMNS, name, scale)`
    /// against time since the start.
    fn chart(
        &self,
        title: &str,
        y_title: &str,
        lines: &[(usize, String, f64)],
        warmup_days: f64,
        size: Size,
    ) -> LineChart {
        let several = self.replications > 1;
        let lines = lines
            .iter()
            .enumerate()
            .map(|(index, (slot, name, scale))| {
                let days = self
                    .days
                    .iter()
                    .enumerate()
                    .filter(|(_, stats)| stats.n > 0);
                let x = |day: usize| day as f64 + warmup_days;
                Line {
                    name: name.clone(),
                    colour: colour(index),
                    points: days
                        .clone()
                        .map(|(day, stats)| (x(day), stats.sum[*slot] / f64::from(stats.n) * scale))
                        .collect(),
                    band: if several {
                        days.map(|(day, stats)| {
                            (x(day), stats.min[*slot] * scale, stats.max[*slot] * scale)
                        })
                        .collect()
                    } else {
                        Vec::new()
                    },
                    dots: false,
                }
            })
            .collect::<Vec<_>>();
        LineChart {
            title: title.into(),
            x_title: "time since start [days]".into(),
            y_title: y_title.into(),
            size,
            x_axis: XAxis::Numeric,
            legend: lines.len() > 1,
            lines,
            markers: Vec::new(),
            y_range: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeseries_folds_replications_day_by_day() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timeseries.csv");
        let header = "replication,day,time,drives_on_site,receiving_queue,copy_queue,\
                      packaging_queue,receiving_busy,copy_busy,packaging_busy";
        std::fs::write(
            &path,
            format!(
                "{header}\n0,0,2026-01-05T00:00:00Z,10,0,4,0,1,2,0\n\
                 0,1,2026-01-06T00:00:00Z,12,0,6,0,1,2,0\n\
                 1,0,2026-01-05T00:00:00.000Z,20,0,8,0,1,2,0\n"
            ),
        )
        .unwrap();
        let series = Timeseries::read(&path).unwrap();
        assert_eq!(series.replications, 2);
        assert_eq!(series.days.len(), 2);
        let chart = series.chart("t", "y", &[(0, "drives".into(), 1.0)], 5.0, HALF);
        assert_eq!(chart.lines[0].points, [(5.0, 15.0), (6.0, 12.0)]);
        assert_eq!(chart.lines[0].band, [(5.0, 10.0, 20.0), (6.0, 12.0, 12.0)]);
    }
}
