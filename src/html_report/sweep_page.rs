//! The report of a sweep directory (`sweep.csv`, one run directory per
//! point).
//!
//! Each chosen metric is drawn against the first varied key: its value at
//! every point (the mean over replications) as dots joined by a line, and its
//! 95% interval as a band when the points have replications. With more
//! varied keys, each combination of the others' values gets its own small
//! panel, all panels of a metric on one y scale, so the panels compare at a
//! glance. A key whose values are all numbers (or all durations, shown in
//! days) is a numeric axis; any other key's values are categories in the
//! order given.
//!
//! The scenario's name, seed and version come from a point's `run.json`
//! (the first point directory in name order); the sweep's values come from
//! `sweep.csv` alone.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::charts::{self, HALF, Line, LineChart, PANEL, XAxis, colour};
use super::page::{Figure, Page, Table, TableRow, optional};
use super::read::{CsvInput, Estimate, EstimateColumns, InputError, RunJson};
use super::{DEFAULT_SWEEP_METRICS, MetricUnit, ReportOptions, metric_unit};
use crate::dist::parse_duration;

/// `sweep.csv`, by point.
struct SweepTable {
    path: PathBuf,
    /// The varied keys: the columns before `metric`.
    keys: Vec<String>,
    /// In file order (the sweep's cross-product order).
    points: Vec<SweepPoint>,
    has_replications: bool,
}

/// One point: its key values and its metrics.
struct SweepPoint {
    values: Vec<String>,
    metrics: BTreeMap<String, Estimate>,
}

/// How a key's values sit on an axis.
struct KeyAxis {
    axis: XAxis,
    /// Each value's position, in first-seen order of `values`.
    values: Vec<String>,
    positions: Vec<f64>,
    title: String,
}

/// The page of the sweep in `dir`.
pub(super) fn render(dir: &Path, options: &ReportOptions) -> Result<String, InputError> {
    let sweep = SweepTable::read(&dir.join("sweep.csv"))?;
    let metrics: Vec<String> = if options.sweep_metrics.is_empty() {
        DEFAULT_SWEEP_METRICS
            .iter()
            .map(|name| name.to_string())
            .collect()
    } else {
        options.sweep_metrics.clone()
    };
    for metric in &metrics {
        if !sweep
            .points
            .iter()
            .any(|point| point.metrics.contains_key(metric))
        {
            return Err(InputError::UnknownMetric {
                metric: metric.clone(),
                path: sweep.path.clone(),
            });
        }
    }
    let run = first_point_run(dir)?;

    let name = run
        .as_ref()
        .map_or_else(|| "sweep".to_string(), |run| run.scenario_name.clone());
    let mut page = Page::new(&format!("impexsim sweep: {name}"));
    page.h1(&format!("Sweep: {name}"));
    let mut facts: Vec<(&str, String)> = Vec::new();
    if let Some(run) = &run {
        facts.push(("scenario", run.scenario_name.clone()));
        facts.push(("seed", format!("{} (the same at every point)", run.seed)));
        facts.push(("replications per point", run.replications.to_string()));
        facts.push(("impexsim version", run.tool_version.clone()));
    }
    facts.push(("points", sweep.points.len().to_string()));
    let axes: Vec<KeyAxis> = (0..sweep.keys.len()).map(|key| sweep.axis(key)).collect();
    for (key, axis) in sweep.keys.iter().zip(&axes) {
        facts.push(("varied", format!("{key} = {}", axis.values.join(", "))));
    }
    if let Some(run) = &run
        && !run.command.is_empty()
    {
        facts.push(("command", run.command.join(" ")));
    }
    page.facts(&facts);
    page.note(&if sweep.has_replications {
        "Dots are means over each point's replications; the band is their 95% interval \
         (Student t). Every point uses the same seed, so the points differ only by the \
         values of their keys (common random numbers)."
            .to_string()
    } else {
        "One replication per point: dots are single values, with no interval (sweep with \
         --replications N for bands). Every point uses the same seed (common random numbers)."
            .to_string()
    });

    page.h2("metrics", "Metrics against the varied keys");
    let panels = sweep.panels();
    if panels.len() == 1 {
        let figures: Vec<Figure> = metrics
            .iter()
            .map(|metric| Figure {
                id: format!("chart-{}", slug(metric)),
                svg: charts::line_chart(&sweep.chart(metric, &axes[0], &panels[0], HALF, None)),
                caption: caption(metric, &axes[0]),
            })
            .collect();
        page.figures(&figures);
    } else {
        for metric in &metrics {
            page.h3(metric);
            let y_range = sweep.y_range(metric);
            let figures: Vec<Figure> = panels
                .iter()
                .enumerate()
                .map(|(index, panel)| Figure {
                    id: format!("chart-{}-{}", slug(metric), index + 1),
                    svg: charts::line_chart(&sweep.chart(
                        metric,
                        &axes[0],
                        panel,
                        PANEL,
                        Some(y_range),
                    )),
                    caption: String::new(),
                })
                .collect();
            page.figures(&figures);
            page.note(&caption(metric, &axes[0]));
        }
    }

    page.h2("table", "Values at every point");
    page.table("points", &sweep.table(&metrics));
    page.note("sweep.csv holds every metric of every point; each point's directory is a full run.");
    Ok(page.finish())
}

fn caption(metric: &str, axis: &KeyAxis) -> String {
    format!("{metric} at each value of {}.", axis.title)
}

/// `metric` as an element id.
fn slug(metric: &str) -> String {
    metric
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// The `run.json` of the first point directory (in name order), if any.
fn first_point_run(dir: &Path) -> Result<Option<RunJson>, InputError> {
    let entries = fs::read_dir(dir).map_err(|source| InputError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut runs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("run.json"))
        .filter(|path| path.is_file())
        .collect();
    runs.sort();
    runs.first().map(|path| RunJson::read(path)).transpose()
}

impl SweepTable {
    fn read(path: &Path) -> Result<SweepTable, InputError> {
        let mut input = CsvInput::open(path)?;
        let metric = input.column("metric")?;
        if metric == 0 {
            return Err(InputError::malformed(
                format!("{}:1", path.display()),
                "expected the varied keys as the columns before `metric`",
            ));
        }
        let keys: Vec<String> = input.columns().take(metric).map(str::to_string).collect();
        let columns = EstimateColumns::find(&input)?;
        let mut points: Vec<SweepPoint> = Vec::new();
        let mut index_of: BTreeMap<Vec<String>, usize> = BTreeMap::new();
        let mut values: Vec<String> = Vec::with_capacity(keys.len());
        while input.next_row()? {
            values.clear();
            values.extend((0..metric).map(|column| input.text(column).to_string()));
            let estimate = columns.read(&input)?;
            let index = match index_of.get(&values) {
                Some(index) => *index,
                None => {
                    index_of.insert(values.clone(), points.len());
                    points.push(SweepPoint {
                        values: values.clone(),
                        metrics: BTreeMap::new(),
                    });
                    points.len() - 1
                }
            };
            points[index]
                .metrics
                .insert(input.text(metric).to_string(), estimate);
        }
        if points.is_empty() {
            return Err(InputError::malformed(
                path.display().to_string(),
                "expected one row per point and metric, found none",
            ));
        }
        Ok(SweepTable {
            path: path.to_path_buf(),
            keys,
            points,
            has_replications: columns.has_replications(),
        })
    }

    /// The values of key `key` in first-seen order, placed on an axis.
    fn axis(&self, key: usize) -> KeyAxis {
        let mut values: Vec<String> = Vec::new();
        for point in &self.points {
            if !values.contains(&point.values[key]) {
                values.push(point.values[key].clone());
            }
        }
        let name = self.keys[key].clone();
        let numbers: Option<Vec<f64>> = values
            .iter()
            .map(|value| value.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
            .collect();
        if let Some(positions) = numbers {
            return KeyAxis {
                axis: XAxis::Numeric,
                values,
                positions,
                title: name,
            };
        }
        let durations: Option<Vec<f64>> = values
            .iter()
            .map(|value| {
                parse_duration(value.trim_matches('"'))
                    .ok()
                    .map(|duration| duration.as_days_f64())
            })
            .collect();
        if let Some(positions) = durations {
            return KeyAxis {
                axis: XAxis::Numeric,
                values,
                positions,
                title: format!("{name} [days]"),
            };
        }
        KeyAxis {
            axis: XAxis::Categories(values.clone()),
            positions: (0..values.len()).map(|index| index as f64).collect(),
            values,
            title: name,
        }
    }

    /// The combinations of the keys after the first, in first-seen order;
    /// one empty combination when only one key varies.
    fn panels(&self) -> Vec<Vec<String>> {
        let mut panels: Vec<Vec<String>> = Vec::new();
        for point in &self.points {
            let rest = point.values[1..].to_vec();
            if !panels.contains(&rest) {
                panels.push(rest);
            }
        }
        panels
    }

    /// The points of one panel, ordered along the axis.
    fn panel_points<'a>(&'a self, axis: &KeyAxis, panel: &[String]) -> Vec<(f64, &'a SweepPoint)> {
        let mut points: Vec<(f64, &SweepPoint)> = self
            .points
            .iter()
            .filter(|point| point.values[1..] == *panel)
            .map(|point| {
                let index = axis
                    .values
                    .iter()
                    .position(|value| *value == point.values[0])
                    .expect("every value is on its axis");
                (axis.positions[index], point)
            })
            .collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        points
    }

    /// One y range for every panel of `metric` (scaled for display).
    fn y_range(&self, metric: &str) -> (f64, f64) {
        let MetricUnit { scale, .. } = metric_unit(metric);
        let (mut low, mut high) = (0f64, f64::NEG_INFINITY);
        for point in &self.points {
            if let Some(estimate) = point.metrics.get(metric) {
                for value in estimate
                    .mean
                    .into_iter()
                    .chain(estimate.ci95.into_iter().flat_map(|(a, b)| [a, b]))
                {
                    low = low.min(value * scale);
                    high = high.max(value * scale);
                }
            }
        }
        if !high.is_finite() || high <= low {
            high = low + 1.0;
        }
        let pad = (high - low) * 0.05;
        (if low < 0.0 { low - pad } else { low }, high + pad)
    }

    /// The chart of `metric` against `axis` over the points of `panel`.
    fn chart(
        &self,
        metric: &str,
        axis: &KeyAxis,
        panel: &[String],
        size: charts::Size,
        y_range: Option<(f64, f64)>,
    ) -> LineChart {
        let MetricUnit { unit, scale } = metric_unit(metric);
        let points = self.panel_points(axis, panel);
        let estimates: Vec<(f64, Estimate)> = points
            .iter()
            .filter_map(|(x, point)| Some((*x, *point.metrics.get(metric)?)))
            .collect();
        let title = if panel.is_empty() {
            metric.to_string()
        } else {
            self.keys[1..]
                .iter()
                .zip(panel)
                .map(|(key, value)| format!("{} = {value}", short_key(key)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        LineChart {
            title,
            x_title: axis.title.clone(),
            y_title: format!("{metric} [{unit}]"),
            size,
            x_axis: axis.axis.clone(),
            lines: vec![Line {
                name: metric.to_string(),
                colour: colour(0),
                points: estimates
                    .iter()
                    .filter_map(|(x, estimate)| Some((*x, estimate.mean? * scale)))
                    .collect(),
                band: estimates
                    .iter()
                    .filter_map(|(x, estimate)| {
                        let (low, high) = estimate.ci95?;
                        Some((*x, low * scale, high * scale))
                    })
                    .collect(),
                dots: true,
            }],
            markers: Vec::new(),
            y_range,
            legend: false,
        }
    }

    /// Every point's values of `metrics` (means), in file order.
    fn table(&self, metrics: &[String]) -> Table {
        let mut header = self.keys.clone();
        header.extend(metrics.iter().map(|metric| {
            let MetricUnit { unit, .. } = metric_unit(metric);
            format!("{metric} [{unit}]")
        }));
        let n_keys = self.keys.len();
        Table {
            header,
            rows: self
                .points
                .iter()
                .map(|point| {
                    let mut cells = point.values.clone();
                    cells.extend(metrics.iter().map(|metric| {
                        let MetricUnit { scale, .. } = metric_unit(metric);
                        optional(
                            point
                                .metrics
                                .get(metric)
                                .and_then(|estimate| estimate.mean)
                                .map(|value| value * scale),
                        )
                    }));
                    TableRow {
                        cells,
                        alert: false,
                    }
                })
                .collect(),
            numeric: (n_keys..n_keys + metrics.len()).collect(),
            code: (0..n_keys).collect(),
        }
    }
}

/// A key without its section, for panel titles.
fn short_key(key: &str) -> &str {
    key.split_once('.').map_or(key, |(_, rest)| rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> (tempfile::TempDir, SweepTable) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.csv");
        fs::write(&path, text).unwrap();
        let table = SweepTable::read(&path).unwrap();
        (dir, table)
    }

    #[test]
    fn points_group_rows_and_keys_find_their_axes() {
        let (_dir, sweep) = table(
            "datacenter.copy_stations,policy.creating_timeout,metric,value\n\
             90,7d,jobs.total,10\n90,7d,end_to_end_days.p90,30\n\
             90,14d,jobs.total,10\n90,14d,end_to_end_days.p90,28\n\
             120,7d,jobs.total,10\n120,7d,end_to_end_days.p90,12.5\n\
             120,14d,jobs.total,10\n120,14d,end_to_end_days.p90,\n",
        );
        assert_eq!(
            sweep.keys,
            ["datacenter.copy_stations", "policy.creating_timeout"]
        );
        assert_eq!(sweep.points.len(), 4);
        assert!(!sweep.has_replications);
        let stations = sweep.axis(0);
        assert!(matches!(stations.axis, XAxis::Numeric));
        assert_eq!(stations.positions, [90.0, 120.0]);
        let timeout = sweep.axis(1);
        assert_eq!(timeout.positions, [7.0, 14.0]);
        assert_eq!(timeout.title, "policy.creating_timeout [days]");
        assert_eq!(
            sweep.panels(),
            [vec!["7d".to_string()], vec!["14d".to_string()]]
        );
        let chart = sweep.chart(
            "end_to_end_days.p90",
            &stations,
            &["14d".to_string()],
            PANEL,
            None,
        );
        assert_eq!(chart.title, "creating_timeout = 14d");
        // The point without a value is left out.
        assert_eq!(chart.lines[0].points, [(90.0, 28.0)]);
        assert_eq!(sweep.y_range("end_to_end_days.p90"), (0.0, 31.5));
    }

    #[test]
    fn values_that_are_not_numbers_are_categories_in_order() {
        let (_dir, sweep) = table(
            "policy.cancellable_states,metric,mean,stddev,ci95_low,ci95_high,n\n\
             \"[\"\"Creating\"\"]\",jobs.expired.fraction,0.1,0.01,0.08,0.12,5\n\
             [],jobs.expired.fraction,0.2,0.01,0.18,0.22,5\n",
        );
        assert!(sweep.has_replications);
        let axis = sweep.axis(0);
        assert_eq!(axis.values, [r#"["Creating"]"#, "[]"]);
        assert!(matches!(&axis.axis, XAxis::Categories(names) if names.len() == 2));
        let chart = sweep.chart("jobs.expired.fraction", &axis, &[], HALF, None);
        let band = &chart.lines[0].band;
        assert_eq!(band.len(), 2);
        assert!((band[1].1 - 18.0).abs() < 1e-9 && (band[1].2 - 22.0).abs() < 1e-9);
    }
}
