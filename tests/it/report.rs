//! `impexsim report DIR` and `--report`: the HTML report of a run, a sweep
//! and a comparison.
//!
//! Structural checks read the page as text: every chart is there (by id, in
//! order), with its axis titles, and draws as many series and points as the
//! output files say it should, counted from the files here, independently of
//! the report's code. Series are told apart by their colour (the report's
//! palette starts blue `#0072B2`, orange `#E69F00`, bluish green `#009E73`,
//! vermillion `#D55E00`): a line is one `<polyline>`, a bar one `<rect>`, a
//! dot one `<circle>`, and a legend entry one 12x10 `<rect>`.

use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::{Row, data_arg, impexsim, invoke, invoke_ok, read_rows};

pub const BLUE: &str = "#0072B2";
pub const ORANGE: &str = "#E69F00";
pub const GREEN: &str = "#009E73";
pub const VERMILLION: &str = "#D55E00";

/// An output directory with its `report.html`.
pub struct Report {
    pub _tmp: TempDir,
    pub dir: PathBuf,
    pub html: String,
}

/// Runs `impexsim <args> --report --out <tmp> --quiet`, expecting exit code
/// `code`, and reads the report.
#[track_caller]
pub fn with_report(args: &[&str], code: i32) -> Report {
    let mut args = args.to_vec();
    args.push("--report");
    let invocation = invoke(&args);
    assert_eq!(
        invocation.code,
        Some(code),
        "impexsim {args:?}:\n{}",
        invocation.stderr
    );
    let html = fs::read_to_string(invocation.dir.join("report.html"))
        .unwrap_or_else(|err| panic!("no report.html after {args:?}: {err}"));
    Report {
        dir: invocation.dir,
        _tmp: invocation.tmp,
        html,
    }
}

/// `tests/data/report_small.toml` run with its 3 replications.
pub fn small_run() -> Report {
    with_report(&["run", &data_arg("report_small.toml")], 0)
}

/// A one-key sweep of `report_small.toml`, 5 replications a point.
pub fn small_sweep() -> Report {
    with_report(
        &[
            "sweep",
            &data_arg("report_small.toml"),
            "--vary",
            "datacenter.copy_stations=24,48,96",
            "--replications",
            "5",
        ],
        0,
    )
}

/// `report_small.toml` against a 7-day Creating timeout, with a guard that
/// fails (exit 3) and one that holds.
pub fn small_compare() -> Report {
    with_report(
        &[
            "compare",
            &data_arg("report_small.toml"),
            "--candidate",
            "policy.creating_timeout=7d",
            "--guard",
            &data_arg("guards/report.toml"),
        ],
        3,
    )
}

/// One chart of a page.
#[derive(Clone, Debug)]
pub struct Chart {
    pub id: String,
    pub width: u32,
    pub height: u32,
    pub svg: String,
}

impl Chart {
    /// The text of every `<text>` element, trimmed.
    pub fn texts(&self) -> Vec<String> {
        let mut texts = Vec::new();
        let mut rest = self.svg.as_str();
        while let Some(start) = rest.find("<text ") {
            let after = &rest[start..];
            let open_end = after.find('>').expect("a closed tag") + 1;
            let close = after.find("</text>").expect("a closed text element");
            texts.push(after[open_end..close].trim().to_string());
            rest = &after[close..];
        }
        texts
    }

    /// Asserts every title is among the texts.
    #[track_caller]
    pub fn assert_texts(&self, titles: &[&str]) {
        let texts = self.texts();
        for title in titles {
            assert!(
                texts.iter().any(|text| text == title),
                "chart {}: no text `{title}` in {texts:?}",
                self.id
            );
        }
    }

    /// Every element `<name ...>` as its attribute text.
    fn elements(&self, name: &str) -> Vec<&str> {
        let open = format!("<{name} ");
        self.svg
            .match_indices(&open)
            .map(|(start, _)| {
                let tag = &self.svg[start..];
                &tag[..tag.find('>').expect("a closed tag")]
            })
            .collect()
    }

    /// The point count of each data line: a `<polyline>` stroked in
    /// `colour`, 2 pixels wide (axes, ticks and dashed markers are thinner).
    pub fn polylines(&self, colour: &str) -> Vec<usize> {
        let stroke = format!("stroke=\"{colour}\"");
        self.elements("polyline")
            .into_iter()
            .filter(|tag| tag.contains(&stroke) && tag.contains("stroke-width=\"2\""))
            .map(|tag| {
                let points = attribute(tag, "points");
                points.split_whitespace().count()
            })
            .collect()
    }

    /// `<rect>`s filled with `colour`, legend swatches (12 x 10) left out.
    pub fn bars(&self, colour: &str) -> usize {
        self.filled("rect", colour)
            .into_iter()
            .filter(|tag| !(attribute(tag, "width") == "12" && attribute(tag, "height") == "10"))
            .count()
    }

    /// Legend swatches (12 x 10 `<rect>`s) in `colour`.
    pub fn legend_entries(&self, colour: &str) -> usize {
        self.filled("rect", colour).len() - self.bars(colour)
    }

    /// `<circle>`s filled with `colour`.
    pub fn dots(&self, colour: &str) -> usize {
        self.filled("circle", colour).len()
    }

    /// `<polygon>`s (bands) filled with `colour`.
    pub fn bands(&self, colour: &str) -> usize {
        self.filled("polygon", colour).len()
    }

    fn filled(&self, element: &str, colour: &str) -> Vec<&str> {
        let fill = format!("fill=\"{colour}\"");
        self.elements(element)
            .into_iter()
            .filter(|tag| tag.contains(&fill))
            .collect()
    }
}

/// The value of `name="..."` in a tag.
fn attribute<'a>(tag: &'a str, name: &str) -> &'a str {
    let key = format!(" {name}=\"");
    let start = tag
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {tag}"))
        + key.len();
    let end = tag[start..].find('"').expect("a closed attribute") + start;
    &tag[start..end]
}

/// Every chart of `html`, in document order.
pub fn charts(html: &str) -> Vec<Chart> {
    let mut charts = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<figure class=\"chart\" id=\"") {
        let figure = &rest[start..];
        let end = figure.find("</figure>").expect("a closed figure");
        let figure = &figure[..end];
        let id_start = "<figure class=\"chart\" id=\"".len();
        let id = &figure[id_start..id_start + figure[id_start..].find('"').unwrap()];
        let svg_start = figure.find("<svg ").expect("an inline SVG");
        let svg_end = figure.find("</svg>").expect("a closed SVG") + "</svg>".len();
        let svg = &figure[svg_start..svg_end];
        let root = &svg[..svg.find('>').unwrap()];
        charts.push(Chart {
            id: id.to_string(),
            width: attribute(root, "width").parse().unwrap(),
            height: attribute(root, "height").parse().unwrap(),
            svg: svg.to_string(),
        });
        rest = &rest[start + end..];
    }
    charts
}

/// The chart `id`; panics listing the ids when absent.
#[track_caller]
fn chart(charts: &[Chart], id: &str) -> Chart {
    charts
        .iter()
        .find(|chart| chart.id == id)
        .cloned()
        .unwrap_or_else(|| {
            let ids: Vec<&str> = charts.iter().map(|chart| chart.id.as_str()).collect();
            panic!("no chart `{id}` in {ids:?}")
        })
}

/// numpy's default percentile (linear between order statistics), for the
/// expectations here.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let below = h.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    sorted[below] + (sorted[above] - sorted[below]) * (h - below as f64)
}

/// End-to-end days of the finished jobs of `jobs.csv` created at or after
/// `from`, sorted.
fn finished_days(dir: &Path, from: chrono::DateTime<chrono::Utc>) -> Vec<f64> {
    let mut days: Vec<f64> = read_rows(&dir.join("jobs.csv"))
        .iter()
        .filter(|row| !row.get("end_to_end_days").is_empty() && row.time_set("created_at") >= from)
        .map(|row| row.get("end_to_end_days").parse().unwrap())
        .collect();
    days.sort_by(f64::total_cmp);
    days
}

/// The number of points of the drawn CDF of `sorted`: at most 200, evenly
/// spaced in probability, those past 1.5 x the largest p99 of `all` cut.
fn cdf_point_count(sorted: &[f64], all: &[&[f64]]) -> usize {
    let n_points = sorted.len().clamp(2, 200);
    let cut = 1.5
        * all
            .iter()
            .map(|values| percentile(values, 0.99))
            .fold(0.0, f64::max);
    let longest = all
        .iter()
        .map(|values| *values.last().unwrap())
        .fold(0.0, f64::max);
    (0..n_points)
        .filter(|index| {
            longest <= cut || percentile(sorted, *index as f64 / (n_points - 1) as f64) <= cut
        })
        .count()
}

/// `summary.csv` as metric -> row.
fn summary(dir: &Path) -> Vec<Row> {
    read_rows(&dir.join("summary.csv"))
}

fn mean(rows: &[Row], metric: &str) -> Option<f64> {
    let row = rows
        .iter()
        .find(|row| row.get("metric") == metric)
        .unwrap_or_else(|| panic!("no metric {metric}"));
    let text = row.get("mean");
    (!text.is_empty()).then(|| text.parse().unwrap())
}

/// The number after `prefix` in a text like `p50 11.9 d`.
fn labelled_number(texts: &[String], prefix: &str) -> f64 {
    let text = texts
        .iter()
        .find(|text| text.starts_with(prefix))
        .unwrap_or_else(|| panic!("no text starting `{prefix}` in {texts:?}"));
    text[prefix.len()..]
        .trim_end_matches(" d")
        .parse()
        .unwrap_or_else(|err| panic!("`{text}`: {err}"))
}

#[test]
fn run_report_draws_every_chart_from_the_run_files() {
    let report = small_run();
    let charts = charts(&report.html);
    let ids: Vec<&str> = charts.iter().map(|chart| chart.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "chart-outcomes",
            "chart-end-to-end",
            "chart-state-time",
            "chart-utilisation",
            "chart-drives-on-site",
            "chart-queues",
            "chart-busy",
            "chart-events",
        ]
    );
    let summary = summary(&report.dir);

    // Header: name, seed, version, and the keys changed from the baseline.
    for text in [
        "<h1>Run: report_small</h1>",
        "<dt>seed</dt><dd>1</dd>",
        "<dt>replications</dt><dd>3</dd>",
        &format!(
            "<dt>impexsim version</dt><dd>{}</dd>",
            env!("CARGO_PKG_VERSION")
        ),
        "<td class=\"code\">datacenter.copy_stations</td><td class=\"code\">48</td>\
         <td class=\"code\">120</td>",
        "<td class=\"code\">simulation.horizon</td><td class=\"code\">&quot;40d&quot;</td>\
         <td class=\"code\">&quot;365d&quot;</td>",
    ] {
        assert!(report.html.contains(text), "no `{text}` in the page");
    }
    assert!(
        !report.html.contains("policy.creating_timeout"),
        "an unchanged key is listed"
    );

    // Outcomes: one bar per outcome, labelled with its share.
    let outcomes = chart(&charts, "chart-outcomes");
    outcomes.assert_texts(&["Outcomes", "share of jobs [%]", "completed", "unfinished"]);
    assert_eq!(outcomes.bars(BLUE), 4);
    let completed = mean(&summary, "jobs.completed.fraction").unwrap();
    outcomes.assert_texts(&[&format!("{:.1}%", completed * 100.0)]);

    // End-to-end CDF: one line over the finished jobs after the warm-up,
    // p50, p90 and p99 marked where numpy puts them (4 significant digits).
    let from = crate::start() + crate::days(3);
    let days = finished_days(&report.dir, from);
    assert!(days.len() > 500, "{} finished jobs", days.len());
    let cdf = chart(&charts, "chart-end-to-end");
    cdf.assert_texts(&["end-to-end time [days]", "jobs finished within [%]"]);
    assert_eq!(cdf.polylines(BLUE), [cdf_point_count(&days, &[&days])]);
    let texts = cdf.texts();
    for (p, label) in [(0.5, "p50 "), (0.9, "p90 "), (0.99, "p99 ")] {
        let shown = labelled_number(&texts, label);
        let expected = percentile(&days, p);
        assert!(
            (shown - expected).abs() <= expected * 5e-4,
            "{label}: shown {shown}, expected {expected}"
        );
    }

    // Time in each state: p50, mean and p90 bars for every state entered.
    let states = chart(&charts, "chart-state-time");
    states.assert_texts(&["time in state [days]", "creating", "faulted", "p50", "p90"]);
    let entered = [
        "creating",
        "shipping",
        "received",
        "transferring",
        "packaging",
        "faulted",
    ]
    .iter()
    .filter(|state| mean(&summary, &format!("state_days.{state}.mean")).is_some())
    .count();
    for colour in [BLUE, ORANGE, GREEN] {
        assert_eq!(states.bars(colour), entered, "{colour}");
        assert_eq!(states.legend_entries(colour), 1, "{colour}");
    }

    let utilisation = chart(&charts, "chart-utilisation");
    utilisation.assert_texts(&["utilisation [%]", "receiving", "copy", "packaging"]);
    assert_eq!(utilisation.bars(GREEN), 3);

    // Time series: one point per day, a band with replications.
    let timeseries = read_rows(&report.dir.join("timeseries.csv"));
    let mut days_seen: Vec<&str> = timeseries.iter().map(|row| row.get("day")).collect();
    days_seen.sort();
    days_seen.dedup();
    let on_site = chart(&charts, "chart-drives-on-site");
    on_site.assert_texts(&["drives on site [drives]", "time since start [days]"]);
    assert_eq!(on_site.polylines(BLUE), [days_seen.len()]);
    assert_eq!(on_site.bands(BLUE), 1);
    for (id, title) in [
        ("chart-queues", "waiting [items]"),
        ("chart-busy", "busy [% of capacity]"),
    ] {
        let over_time = chart(&charts, id);
        over_time.assert_texts(&[title, "time since start [days]"]);
        for colour in [BLUE, ORANGE, GREEN] {
            assert_eq!(
                over_time.polylines(colour),
                [days_seen.len()],
                "{id} {colour}"
            );
            assert_eq!(over_time.bands(colour), 1, "{id} {colour}");
        }
    }
    chart(&charts, "chart-busy").assert_texts(&["copy stations (of 48)"]);

    // Error events: one bar per event some job met, named.
    let met: Vec<String> = summary
        .iter()
        .filter(|row| {
            let metric = row.get("metric");
            metric.starts_with("events.")
                && metric.ends_with(".fraction")
                && row
                    .get("mean")
                    .parse::<f64>()
                    .is_ok_and(|share| share > 0.0)
        })
        .map(|row| {
            row.get("metric")
                .trim_start_matches("events.")
                .trim_end_matches(".fraction")
                .to_string()
        })
        .collect();
    assert!(met.len() >= 3, "{met:?}");
    let events = chart(&charts, "chart-events");
    events.assert_texts(&["jobs that met the event [% of jobs]"]);
    assert_eq!(events.bars(VERMILLION), met.len());
    let names: Vec<&str> = met.iter().map(String::as_str).collect();
    events.assert_texts(&names);
}

#[test]
fn sweep_report_draws_each_metric_against_the_varied_key() {
    let report = small_sweep();
    let charts = charts(&report.html);
    let ids: Vec<&str> = charts.iter().map(|chart| chart.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "chart-end-to-end-days-p90",
            "chart-copy-utilisation",
            "chart-copy-queue-wait-days-mean",
            "chart-drives-on-site-peak",
            "chart-jobs-expired-fraction",
            "chart-jobs-closed-fraction",
        ]
    );
    for (chart, (metric, unit)) in charts.iter().zip([
        ("end_to_end_days.p90", "days"),
        ("copy.utilisation", "%"),
        ("copy.queue_wait_days.mean", "days"),
        ("drives_on_site.peak", "drives"),
        ("jobs.expired.fraction", "% of jobs"),
        ("jobs.closed.fraction", "% of jobs"),
    ]) {
        chart.assert_texts(&[
            metric,
            &format!("{metric} [{unit}]"),
            "datacenter.copy_stations",
        ]);
        // Three points, dotted, with their interval as one band.
        assert_eq!(chart.polylines(BLUE), [3], "{metric}");
        assert_eq!(chart.dots(BLUE), 3, "{metric}");
        assert_eq!(chart.bands(BLUE), 1, "{metric}");
    }
    assert!(
        report
            .html
            .contains("datacenter.copy_stations = 24, 48, 96")
    );
    // The copy queue wait falls as stations are added: the first dot sits
    // lower on the page (a larger y) the more stations there are.
    let wait = &charts[2];
    let dots: Vec<i64> = wait
        .elements("circle")
        .iter()
        .map(|tag| attribute(tag, "cy").parse().unwrap())
        .collect();
    assert!(dots[0] < dots[2], "queue wait dots {dots:?}");
}

#[test]
fn sweep_report_of_two_keys_draws_small_multiples_on_one_scale() {
    let report = with_report(
        &[
            "sweep",
            &data_arg("report_small.toml"),
            "--vary",
            "datacenter.copy_stations=24,48",
            "--vary",
            "policy.creating_timeout=7d,14d",
            "--replications",
            "1",
        ],
        0,
    );
    let charts = charts(&report.html);
    assert_eq!(charts.len(), 6 * 2);
    let first = chart(&charts, "chart-end-to-end-days-p90-1");
    let second = chart(&charts, "chart-end-to-end-days-p90-2");
    first.assert_texts(&["creating_timeout = 7d", "datacenter.copy_stations"]);
    second.assert_texts(&["creating_timeout = 14d"]);
    for panel in [&first, &second] {
        assert_eq!(panel.polylines(BLUE), [2]);
        assert_eq!(panel.dots(BLUE), 2);
        // One replication: no interval, no band.
        assert_eq!(panel.bands(BLUE), 0);
    }
    // One y scale: the two panels' tick labels are the same.
    let ticks = |panel: &Chart| -> Vec<String> {
        panel
            .texts()
            .into_iter()
            .filter(|text| text.parse::<f64>().is_ok())
            .collect()
    };
    assert_eq!(ticks(&first), ticks(&second));
    // The page also lists the values: 4 points, one row each.
    let table = &report.html[report.html.find("<table id=\"points\">").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr>").count(), 1 + 4);
}

#[test]
fn compare_report_shows_the_verdict_differences_and_changed_jobs() {
    let report = small_compare();
    let guards = read_rows(&report.dir.join("compare.guards.csv"));
    let failed: Vec<&str> = guards
        .iter()
        .filter(|row| row.get("result") == "fail")
        .map(|row| row.get("metric"))
        .collect();
    assert_eq!(failed, ["jobs.expired.fraction"]);
    assert!(
        report.html.contains(
            "<div class=\"verdict fail\" id=\"verdict\">FAIL: 1 of 2 guards failed \
             (jobs.expired.fraction)</div>"
        ),
        "no FAIL banner"
    );
    // The banner comes before any chart.
    assert!(report.html.find("id=\"verdict\"") < report.html.find("<figure"));
    assert!(report.html.contains(
        "<td class=\"code\">policy.creating_timeout</td><td class=\"code\">&quot;7d&quot;</td>\
         <td class=\"code\">&quot;14d&quot;</td>"
    ));

    let charts = charts(&report.html);
    let ids: Vec<&str> = charts.iter().map(|chart| chart.id.as_str()).collect();
    assert_eq!(ids, ["chart-differences", "chart-end-to-end"]);

    // One dot per significant metric (count twins of fractions aside) and
    // per guarded metric, with a baseline other than 0; the failed guard's
    // in vermillion.
    let compared = read_rows(&report.dir.join("compare.csv"));
    let is_twin = |name: &str| {
        (name.starts_with("jobs.") && name.ends_with(".count"))
            || (name.starts_with("events.") && name.ends_with(".jobs"))
    };
    let shown: Vec<&str> = compared
        .iter()
        .filter(|row| {
            let name = row.get("metric");
            let guarded = guards.iter().any(|guard| guard.get("metric") == name);
            let baseline: f64 = row.get("baseline_mean").parse().unwrap_or(0.0);
            (guarded || (row.get("significant") == "true" && !is_twin(name))) && baseline != 0.0
        })
        .map(|row| row.get("metric"))
        .collect();
    assert!(shown.len() > 5, "{shown:?}");
    let differences = chart(&charts, "chart-differences");
    differences.assert_texts(&["paired difference [% of baseline mean]"]);
    differences.assert_texts(&shown);
    assert_eq!(
        differences.dots(BLUE) + differences.dots(VERMILLION),
        shown.len()
    );
    assert_eq!(differences.dots(VERMILLION), 1);
    // Rows go largest relative change first: the expired fraction leads.
    let relative = |name: &str| {
        let row = compared
            .iter()
            .find(|row| row.get("metric") == name)
            .unwrap();
        let diff: f64 = row.get("diff_mean").parse().unwrap();
        let baseline: f64 = row.get("baseline_mean").parse().unwrap();
        (diff / baseline).abs()
    };
    let largest = shown
        .iter()
        .copied()
        .max_by(|a, b| relative(a).total_cmp(&relative(b)))
        .unwrap();
    let texts = differences.texts();
    let first_label = texts
        .iter()
        .find(|text| shown.contains(&text.as_str()))
        .unwrap();
    assert_eq!(first_label, largest);
    // Each guard's limit is one black stroke across its row.
    assert_eq!(
        differences
            .elements("polyline")
            .iter()
            .filter(|tag| tag.contains("stroke-width=\"3\""))
            .count(),
        guards.len()
    );

    // Both CDFs, over the finished jobs of each run.
    let from = crate::start();
    let baseline = finished_days(&report.dir.join("baseline"), from);
    let candidate = finished_days(&report.dir.join("candidate"), from);
    let cdf = chart(&charts, "chart-end-to-end");
    cdf.assert_texts(&["end-to-end time [days]", "jobs finished within [%]"]);
    let all: [&[f64]; 2] = [&baseline, &candidate];
    assert_eq!(cdf.polylines(BLUE), [cdf_point_count(&baseline, &all)]);
    assert_eq!(cdf.polylines(ORANGE), [cdf_point_count(&candidate, &all)]);
    assert!(
        cdf.texts()
            .iter()
            .any(|text| text.starts_with("baseline: p50 ")),
        "{:?}",
        cdf.texts()
    );

    // Changed jobs: the total, and the first 20 as examples.
    let changed = read_rows(&report.dir.join("compare.jobs.csv"));
    assert!(changed.len() > 20, "{} changed jobs", changed.len());
    assert!(
        report
            .html
            .contains(&format!("{} jobs (over all replications)", changed.len()))
    );
    let examples = &report.html[report.html.find("<table id=\"example-jobs\">").unwrap()..];
    let examples = &examples[..examples.find("</table>").unwrap()];
    assert_eq!(examples.matches("<tr>").count(), 1 + 20);
    assert!(examples.contains(&format!(
        "<td class=\"code\">{}</td>",
        changed[0].get("job")
    )));
}

#[test]
fn reports_fetch_nothing_and_hold_no_address() {
    for report in [small_run(), small_sweep(), small_compare()] {
        let html = &report.html;
        assert!(html.starts_with("<!DOCTYPE html>"));
        for banned in [
            "://",
            "<script",
            "<link",
            "<img",
            "<iframe",
            "@import",
            "url(",
            " src=",
            " href=",
            "@font-face",
        ] {
            assert!(
                !html.contains(banned),
                "{} report holds `{banned}`",
                report.dir.display()
            );
        }
    }
}

#[test]
fn the_same_directory_gives_the_same_bytes() {
    let check = |report: Report| {
        let again = report._tmp.path().join("again.html");
        invoke_ok_report(&report.dir, Some(&again));
        let again = fs::read_to_string(&again).unwrap();
        assert!(
            again == report.html,
            "{}: a second rendering differs",
            report.dir.display()
        );
        // Nothing of the directory's path is in the page: a copy elsewhere
        // renders the same.
        let copy = report._tmp.path().join("elsewhere").join("copy");
        copy_dir(&report.dir, &copy);
        fs::remove_file(copy.join("report.html")).unwrap();
        invoke_ok_report(&copy, None);
        let copied = fs::read_to_string(copy.join("report.html")).unwrap();
        assert!(
            copied == report.html,
            "{}: the copy's report differs",
            report.dir.display()
        );
    };
    check(small_run());
    check(small_sweep());
    check(small_compare());
}

/// `impexsim report DIR [--out FILE]`, asserting success.
#[track_caller]
fn invoke_ok_report(dir: &Path, out: Option<&Path>) {
    let mut command = impexsim();
    command.arg("report").arg(dir).arg("--quiet");
    if let Some(out) = out {
        command.arg("--out").arg(out);
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "impexsim report {}: {}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Rewrites every field of a CSV file through `change`.
fn rewrite_fields(path: &Path, change: impl Fn(&str) -> String) {
    let text = fs::read_to_string(path).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        let fields: Vec<String> = line.split(',').map(&change).collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    fs::write(path, out).unwrap();
}

#[test]
fn reports_read_timestamps_with_and_without_milliseconds_and_any_number_text() {
    let report = small_run();
    let copy = report._tmp.path().join("other-forms");
    copy_dir(&report.dir, &copy);
    // Every timestamp with milliseconds, every whole number with a decimal
    // point: the same instants and values, so the same page.
    let with_milliseconds = |field: &str| {
        if field.len() == 20 && field.ends_with('Z') && field.as_bytes()[10] == b'T' {
            format!("{}.000Z", &field[..19])
        } else {
            field.to_string()
        }
    };
    for name in ["jobs.csv", "timeseries.csv"] {
        rewrite_fields(&copy.join(name), with_milliseconds);
    }
    let text = fs::read_to_string(copy.join("jobs.csv")).unwrap();
    assert!(
        !text.contains(":00Z,"),
        "a timestamp left without milliseconds"
    );
    rewrite_fields(&copy.join("summary.csv"), |field| {
        if !field.is_empty() && field.bytes().all(|b| b.is_ascii_digit()) {
            format!("{field}.0")
        } else {
            field.to_string()
        }
    });
    let out = copy.join("rewritten.html");
    invoke_ok_report(&copy, Some(&out));
    assert!(fs::read_to_string(out).unwrap() == report.html);
}

/// `impexsim report <dir>`'s exit code and standard error, and whether a
/// report was left behind.
fn report_of(dir: &Path, extra: &[&str]) -> (Option<i32>, String, bool) {
    let output = impexsim()
        .arg("report")
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        dir.join("report.html").exists(),
    )
}

#[test]
fn a_directory_that_is_not_an_output_exits_2_saying_why() {
    let tmp = TempDir::new().unwrap();
    let (code, stderr, written) = report_of(tmp.path(), &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(!written);
    assert_eq!(
        stderr,
        format!(
            "error: {} is not an impexsim output directory: it holds no run.json (run), \
             sweep.csv (sweep) or compare.csv (compare)\n",
            tmp.path().display()
        )
    );

    let missing = tmp.path().join("missing");
    let (code, stderr, _) = report_of(&missing, &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.starts_with(&format!("error: cannot read {}: ", missing.display())),
        "{stderr}"
    );

    let file = tmp.path().join("file.csv");
    fs::write(&file, "x\n").unwrap();
    let (code, stderr, _) = report_of(&file, &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("is not a directory"), "{stderr}");
}

#[test]
fn a_malformed_output_file_exits_2_naming_file_and_line() {
    let run = invoke_ok(&["run", &data_arg("report_small.toml")]);
    let check = |damage: &dyn Fn(&Path), expected: &dyn Fn(&Path) -> String| {
        let copy = run.root().join("damaged");
        let _ = fs::remove_dir_all(&copy);
        copy_dir(&run.dir, &copy);
        damage(&copy);
        let (code, stderr, written) = report_of(&copy, &[]);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(!written, "a report was written: {stderr}");
        let expected = expected(&copy);
        assert!(
            stderr.starts_with(&expected),
            "expected `{expected}`, got `{stderr}`"
        );
        // One message, no panic.
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    };
    check(
        &|dir| {
            let path = dir.join("summary.csv");
            let text = fs::read_to_string(&path).unwrap();
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            lines[2] = "jobs.completed.count,abc,1,2,3,3".to_string();
            fs::write(&path, lines.join("\n")).unwrap();
        },
        &|dir| {
            format!(
                "error: {}:3: column `mean`: expected a number, got `abc`",
                dir.join("summary.csv").display()
            )
        },
    );
    check(
        &|dir| {
            fs::write(
                dir.join("run.json"),
                "{\n  \"tool_version\": 1,\n  \"seed\": 2\n}",
            )
            .unwrap()
        },
        &|dir| format!("error: {}:", dir.join("run.json").display()),
    );
    check(
        &|dir| fs::remove_file(dir.join("jobs.csv")).unwrap(),
        &|dir| format!("error: cannot read {}: ", dir.join("jobs.csv").display()),
    );
    check(
        &|dir| {
            let path = dir.join("timeseries.csv");
            let mut text = fs::read_to_string(&path).unwrap();
            text.push_str("0,1\n");
            fs::write(&path, text).unwrap();
        },
        &|dir| {
            let lines = fs::read_to_string(dir.join("timeseries.csv"))
                .unwrap()
                .lines()
                .count();
            format!(
                "error: {}:{lines}: expected 16 fields like the header line, found 2",
                dir.join("timeseries.csv").display()
            )
        },
    );
}

#[test]
fn a_sweep_metric_that_does_not_exist_exits_2() {
    let report = small_sweep();
    fs::remove_file(report.dir.join("report.html")).unwrap();
    let (code, stderr, written) = report_of(&report.dir, &["--metric", "copy.utilization"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(!written);
    assert!(
        stderr.contains("--metric copy.utilization: ") && stderr.contains("sweep.csv"),
        "{stderr}"
    );
    let (code, stderr, written) = report_of(
        &report.dir,
        &[
            "--metric",
            "operator_contacts",
            "--metric",
            "copy.utilisation",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(written);
    let html = fs::read_to_string(report.dir.join("report.html")).unwrap();
    let ids: Vec<String> = charts(&html).into_iter().map(|chart| chart.id).collect();
    assert_eq!(ids, ["chart-operator-contacts", "chart-copy-utilisation"]);
}

#[test]
fn an_unwritable_report_exits_1() {
    let report = small_run();
    let out = report._tmp.path().join("no-such-dir").join("report.html");
    let (code, stderr, _) = report_of(&report.dir, &["--out", out.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.starts_with("error: cannot write "), "{stderr}");
}
