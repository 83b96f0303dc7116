//! The report's charts, drawn with `plotters` into SVG text: line charts
//! (with bands and vertical markers), grouped bar charts, horizontal bar
//! charts and forest plots of intervals.
//!
//! Every chart has a fixed size in pixels (`Size`), a white background and
//! at least `MARGIN` pixels of it on every side, so a page's layout (and a
//! test that finds the charts in a screenshot) can rely on it. The title sits
//! at the top left, the legend (when there are several series) below it,
//! then the plot. Colours come from the Okabe-Ito palette, which stays
//! distinct under the common colour-vision deficiencies. Text uses the
//! generic `sans-serif` family: nothing is fetched.

use std::error::Error;
use std::ops::Range;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Okabe-Ito colours, in the order series take them: blue, orange, bluish
/// green, vermillion, sky blue, reddish purple, yellow.
pub(super) const PALETTE: [RGBColor; 7] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0xF0, 0xE4, 0x42),
];

/// Axes, text, interval whiskers and markers.
pub(super) const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);

/// Guard limits and failed guards (Okabe-Ito vermillion).
pub(super) const ALERT: RGBColor = PALETTE[3];

/// White space kept on every side of a chart [px].
pub(super) const MARGIN: u32 = 8;

/// A chart's size [px].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Size {
    pub width: u32,
    pub height: u32,
}

/// Half the page's width: two charts side by side.
pub(super) const HALF: Size = Size {
    width: 580,
    height: 340,
};

/// The page's full width.
pub(super) const WIDE: Size = Size {
    width: 1180,
    height: 380,
};

/// One panel of a row of small multiples (three to a row).
pub(super) const PANEL: Size = Size {
    width: 380,
    height: 280,
};

/// Most points a drawn CDF has.
pub(super) const CDF_POINTS: usize = 200;

/// The empirical CDF of `sorted` as at most `CDF_POINTS` points `(x, % of
/// values at most x)`: the percentiles at evenly spaced probabilities, by the
/// same linear interpolation between order statistics as `summary.csv`'s
/// percentiles. Empty for no values.
pub(super) fn cdf_points(sorted: &[f64]) -> Vec<(f64, f64)> {
    if sorted.is_empty() {
        return Vec::new();
    }
    let n_points = sorted.len().clamp(2, CDF_POINTS);
    (0..n_points)
        .map(|index| {
            let p = index as f64 / (n_points - 1) as f64;
            let x = crate::report::percentile(sorted, p).expect("values are not empty");
            (x, p * 100.0)
        })
        .collect()
}

/// The colour of series `index`.
pub(super) fn colour(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// A drawn chart: SVG markup ready to inline in HTML.
#[derive(Clone, Debug)]
pub(super) struct Svg {
    pub size: Size,
    pub markup: String,
}

/// One line of a line chart.
#[derive(Clone, Debug)]
pub(super) struct Line {
    /// The legend's text.
    pub name: String,
    pub colour: RGBColor,
    /// In x order.
    pub points: Vec<(f64, f64)>,
    /// `(x, low, high)`: a band drawn lighter behind the line; empty for none.
    pub band: Vec<(f64, f64, f64)>,
    /// A dot at every point (for few points, such as a sweep's).
    pub dots: bool,
}

/// A vertical line across the plot at `x`, labelled at the top.
#[derive(Clone, Debug)]
pub(super) struct Marker {
    pub x: f64,
    pub label: String,
    pub colour: RGBColor,
}

/// How the x axis is labelled.
#[derive(Clone, Debug)]
pub(super) enum XAxis {
    /// Numbers, ticks chosen by the library.
    Numeric,
    /// Names at x = 0, 1, 2, ...
    Categories(Vec<String>),
}

/// A line chart.
#[derive(Clone, Debug)]
pub(super) struct LineChart {
    pub title: String,
    pub x_title: String,
    pub y_title: String,
    pub size: Size,
    pub x_axis: XAxis,
    pub lines: Vec<Line>,
    pub markers: Vec<Marker>,
    /// The y range; from the data (and 0) when `None`.
    pub y_range: Option<(f64, f64)>,
    /// Draw the legend (the line names) above the plot.
    pub legend: bool,
}

/// One bar: a value and its 95% interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Bar {
    pub value: f64,
    pub ci95: Option<(f64, f64)>,
}

/// One series of a bar chart: a bar (or none) per category.
#[derive(Clone, Debug)]
pub(super) struct BarSeries {
    pub name: String,
    pub colour: RGBColor,
    pub bars: Vec<Option<Bar>>,
}

/// Vertical bars, grouped by category, one colour per series.
#[derive(Clone, Debug)]
pub(super) struct BarChart {
    pub title: String,
    pub y_title: String,
    pub size: Size,
    pub categories: Vec<String>,
    pub series: Vec<BarSeries>,
    pub y_range: Option<(f64, f64)>,
    /// Written above each bar; none when `None`.
    pub value_label: Option<fn(f64) -> String>,
}

/// Horizontal bars, one row per label, top to bottom.
#[derive(Clone, Debug)]
pub(super) struct HBarChart {
    pub title: String,
    pub x_title: String,
    pub width: u32,
    pub rows: Vec<(String, Bar)>,
    pub colour: RGBColor,
    /// Written after each bar.
    pub value_label: fn(f64) -> String,
}

/// One row of a forest plot.
#[derive(Clone, Debug)]
pub(super) struct ForestRow {
    pub label: String,
    pub value: f64,
    pub ci95: Option<(f64, f64)>,
    /// Guard limits on this row, in the x unit.
    pub limits: Vec<f64>,
    /// Drawn in the alert colour (a failed guard).
    pub alert: bool,
}

/// Intervals around zero, one row per label, top to bottom.
#[derive(Clone, Debug)]
pub(super) struct ForestChart {
    pub title: String,
    pub x_title: String,
    pub width: u32,
    pub rows: Vec<ForestRow>,
}

/// Height of one row of a horizontal bar chart or forest plot [px].
pub(super) const ROW_HEIGHT: u32 = 22;

type Drawn = Result<(), Box<dyn Error>>;

/// Font size as `plotters` takes it for `px` pixels: it scales sizes by
/// 1/1.24 when it writes them.
fn px(size: f64) -> f64 {
    size * 1.24
}

fn text_style(size: f64) -> TextStyle<'static> {
    ("sans-serif", px(size)).into_font().color(&INK)
}

fn title_style() -> TextStyle<'static> {
    ("sans-serif", px(15.0))
        .into_font()
        .style(FontStyle::Bold)
        .color(&INK)
}

/// A tick label: few digits, no trailing zeros.
fn tick_label(value: &f64) -> String {
    let decimals = match value.abs() {
        magnitude if magnitude >= 100.0 => 0,
        magnitude if magnitude >= 10.0 => 1,
        magnitude if magnitude >= 1.0 => 2,
        _ => 3,
    };
    let mut text = format!("{value:.decimals$}");
    if text.contains('.') {
        let trimmed = text.trim_end_matches('0').trim_end_matches('.').len();
        text.truncate(trimmed);
    }
    if text == "-0" {
        text = "0".to_string();
    }
    text
}

/// Estimated width of `text` at `size` pixels (sans-serif averages about
/// 0.6 em per character).
fn text_width(text: &str, size: f64) -> i32 {
    (text.chars().count() as f64 * size * 0.6).ceil() as i32
}

/// A range that holds every value (and 0 when `from_zero`), a little wider
/// than the data so nothing sits on the frame; never empty.
fn value_range(values: impl Iterator<Item = f64>, from_zero: bool) -> Range<f64> {
    let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
    for value in values.filter(|value| value.is_finite()) {
        low = low.min(value);
        high = high.max(value);
    }
    if low > high {
        return 0.0..1.0;
    }
    if from_zero {
        low = low.min(0.0);
        high = high.max(0.0);
    }
    if high - low < 1e-12 {
        // One value: from zero (which it then is) up to 1, or around it.
        let spread = if high != 0.0 { high.abs() * 0.1 } else { 1.0 };
        if !from_zero {
            low -= spread;
        }
        high += spread;
    }
    let pad = (high - low) * 0.05;
    let low = if from_zero && low >= 0.0 {
        low
    } else {
        low - pad
    };
    let high = if from_zero && high <= 0.0 {
        high
    } else {
        high + pad
    };
    low..high
}

/// Draws into a fresh SVG of `size`: white background, the title, the
/// legend entries (name, colour) when any, then `plot` on the area below.
fn draw_svg(
    size: Size,
    title: &str,
    legend: &[(String, RGBColor)],
    plot: impl FnOnce(&DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> Drawn,
) -> Svg {
    let mut markup = String::new();
    {
        let root =
            SVGBackend::with_string(&mut markup, (size.width, size.height)).into_drawing_area();
        let drawn = (|| -> Drawn {
            root.fill(&WHITE)?;
            let left = (MARGIN + 4) as i32;
            root.draw(&Text::new(
                title.to_string(),
                (left, MARGIN as i32 + 2),
                title_style(),
            ))?;
            let mut top = MARGIN as i32 + 24;
            if !legend.is_empty() {
                let mut x = left;
                let mut y = top;
                for (name, colour) in legend {
                    let width = 18 + text_width(name, 12.0) + 14;
                    if x + width > size.width as i32 - MARGIN as i32 && x > left {
                        x = left;
                        y += 18;
                    }
                    root.draw(&Rectangle::new(
                        [(x, y + 2), (x + 12, y + 12)],
                        colour.filled(),
                    ))?;
                    root.draw(&Text::new(name.clone(), (x + 18, y), text_style(12.0)))?;
                    x += width;
                }
                top = y + 22;
            }
            let (_, body) = root.split_vertically(top);
            let body = body.margin(0, MARGIN, MARGIN, MARGIN);
            plot(&body)?;
            root.present()?;
            Ok(())
        })();
        drawn.expect("drawing an SVG into a String cannot fail");
    }
    Svg {
        size,
        markup: inline_svg(markup),
    }
}

/// The SVG root without its XML namespace declaration: HTML puts inline SVG
/// in that namespace by itself, and the page holds no address at all.
fn inline_svg(markup: String) -> String {
    markup.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
}

/// Draws a line chart.
pub(super) fn line_chart(chart: &LineChart) -> Svg {
    let legend: Vec<(String, RGBColor)> = if chart.legend {
        chart
            .lines
            .iter()
            .map(|line| (line.name.clone(), line.colour))
            .collect()
    } else {
        Vec::new()
    };
    draw_svg(chart.size, &chart.title, &legend, |area| {
        let xs = chart
            .lines
            .iter()
            .flat_map(|line| line.points.iter().map(|(x, _)| *x))
            .chain(chart.markers.iter().map(|marker| marker.x));
        let x_range = match &chart.x_axis {
            // Lines run from edge to edge; dots get room to show whole.
            XAxis::Numeric if chart.lines.iter().any(|line| line.dots) => value_range(xs, false),
            XAxis::Numeric => {
                let (low, high) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), x| {
                    (low.min(x), high.max(x))
                });
                if low < high {
                    low..high
                } else {
                    value_range([low, high].into_iter(), false)
                }
            }
            XAxis::Categories(names) => -0.5..(names.len().max(1) as f64 - 0.5),
        };
        let y_range = match chart.y_range {
            Some((low, high)) => low..high,
            None => value_range(
                chart.lines.iter().flat_map(|line| {
                    line.points
                        .iter()
                        .map(|(_, y)| *y)
                        .chain(line.band.iter().flat_map(|(_, low, high)| [*low, *high]))
                }),
                true,
            ),
        };
        let mut plot = ChartBuilder::on(area)
            .x_label_area_size(42)
            .y_label_area_size(58)
            .margin_right(12)
            .build_cartesian_2d(x_range.clone(), y_range.clone())?;
        let categories = match &chart.x_axis {
            XAxis::Numeric => None,
            XAxis::Categories(names) => Some(names),
        };
        plot.configure_mesh()
            .max_light_lines(0)
            .bold_line_style(INK.mix(0.12))
            .axis_style(INK)
            .label_style(text_style(11.0))
            .axis_desc_style(text_style(12.0))
            .x_labels(if categories.is_some() { 0 } else { 8 })
            .y_labels(6)
            .x_label_formatter(&tick_label)
            .y_label_formatter(&tick_label)
            .x_desc(chart.x_title.as_str())
            .y_desc(chart.y_title.as_str())
            .draw()?;
        if let Some(names) = categories {
            for (index, name) in names.iter().enumerate() {
                let (x, y) = plot.backend_coord(&(index as f64, y_range.start));
                area.draw(&Text::new(
                    name.clone(),
                    (x - area.get_base_pixel().0, y - area.get_base_pixel().1 + 6),
                    text_style(11.0).pos(Pos::new(HPos::Center, VPos::Top)),
                ))?;
            }
        }
        for line in &chart.lines {
            if line.band.len() >= 2 {
                let mut outline: Vec<(f64, f64)> =
                    line.band.iter().map(|(x, _, high)| (*x, *high)).collect();
                outline.extend(line.band.iter().rev().map(|(x, low, _)| (*x, *low)));
                plot.draw_series(std::iter::once(Polygon::new(
                    outline,
                    line.colour.mix(0.22).filled(),
                )))?;
            }
        }
        for line in &chart.lines {
            plot.draw_series(LineSeries::new(
                line.points.iter().copied(),
                line.colour.stroke_width(2),
            ))?;
            if line.dots {
                plot.draw_series(
                    line.points
                        .iter()
                        .map(|point| Circle::new(*point, 4, line.colour.filled())),
                )?;
            }
        }
        for (index, marker) in chart.markers.iter().enumerate() {
            plot.draw_series(DashedLineSeries::new(
                [(marker.x, y_range.start), (marker.x, y_range.end)],
                6,
                4,
                marker.colour.stroke_width(1),
            ))?;
            if marker.label.is_empty() {
                continue;
            }
            let (x, y) = plot.backend_coord(&(marker.x, y_range.end));
            let (base_x, base_y) = area.get_base_pixel();
            let label_width = text_width(&marker.label, 11.0);
            let right_edge = plot.backend_coord(&(x_range.end, y_range.end)).0;
            // Labels go right of their line, or left of it near the edge,
            // one below the other so close markers stay readable.
            let label_x = if x + 4 + label_width > right_edge {
                x - 4 - label_width
            } else {
                x + 4
            };
            let (label_x, label_y) = (label_x - base_x, y - base_y + 4 + 15 * index as i32);
            // A white box keeps the label readable over the line.
            area.draw(&Rectangle::new(
                [
                    (label_x - 2, label_y - 1),
                    (label_x + label_width + 2, label_y + 13),
                ],
                WHITE.mix(0.85).filled(),
            ))?;
            area.draw(&Text::new(
                marker.label.clone(),
                (label_x, label_y),
                text_style(11.0).color(&marker.colour),
            ))?;
        }
        Ok(())
    })
}

/// Draws a grouped bar chart.
pub(super) fn bar_chart(chart: &BarChart) -> Svg {
    let legend: Vec<(String, RGBColor)> = if chart.series.len() > 1 {
        chart
            .series
            .iter()
            .map(|series| (series.name.clone(), series.colour))
            .collect()
    } else {
        Vec::new()
    };
    draw_svg(chart.size, &chart.title, &legend, |area| {
        let n_categories = chart.categories.len().max(1);
        let y_range = match chart.y_range {
            Some((low, high)) => low..high,
            None => value_range(
                chart
                    .series
                    .iter()
                    .flat_map(|series| series.bars.iter().flatten())
                    .flat_map(|bar| {
                        let (low, high) = bar.ci95.unwrap_or((bar.value, bar.value));
                        [bar.value, low, high]
                    }),
                true,
            ),
        };
        // Room above the bars for their labels.
        let y_range = if chart.value_label.is_some() && chart.y_range.is_none() {
            y_range.start..y_range.end + (y_range.end - y_range.start) * 0.08
        } else {
            y_range
        };
        let mut plot = ChartBuilder::on(area)
            .x_label_area_size(42)
            .y_label_area_size(58)
            .margin_right(12)
            .build_cartesian_2d(-0.5..(n_categories as f64 - 0.5), y_range.clone())?;
        plot.configure_mesh()
            .max_light_lines(0)
            .disable_x_mesh()
            .bold_line_style(INK.mix(0.12))
            .axis_style(INK)
            .label_style(text_style(11.0))
            .axis_desc_style(text_style(12.0))
            .x_labels(0)
            .y_labels(6)
            .y_label_formatter(&tick_label)
            .y_desc(chart.y_title.as_str())
            .draw()?;
        let (base_x, base_y) = area.get_base_pixel();
        for (index, name) in chart.categories.iter().enumerate() {
            let (x, y) = plot.backend_coord(&(index as f64, y_range.start));
            area.draw(&Text::new(
                name.clone(),
                (x - base_x, y - base_y + 6),
                text_style(11.0).pos(Pos::new(HPos::Center, VPos::Top)),
            ))?;
        }
        let n_series = chart.series.len().max(1) as f64;
        let group = 0.8;
        let width = group / n_series;
        for (series_index, series) in chart.series.iter().enumerate() {
            let left_of = |category: usize| {
                category as f64 - group / 2.0 + width * series_index as f64 + width * 0.06
            };
            let bars: Vec<(usize, Bar)> = series
                .bars
                .iter()
                .enumerate()
                .filter_map(|(category, bar)| bar.map(|bar| (category, bar)))
                .collect();
            plot.draw_series(bars.iter().map(|(category, bar)| {
                let left = left_of(*category);
                Rectangle::new(
                    [
                        (left, 0f64.max(y_range.start)),
                        (left + width * 0.88, bar.value),
                    ],
                    series.colour.filled(),
                )
            }))?;
            for (category, bar) in &bars {
                let centre = left_of(*category) + width * 0.44;
                if let Some((low, high)) = bar.ci95 {
                    let cap = width * 0.18;
                    for path in [
                        vec![(centre, low), (centre, high)],
                        vec![(centre - cap, low), (centre + cap, low)],
                        vec![(centre - cap, high), (centre + cap, high)],
                    ] {
                        plot.draw_series(std::iter::once(PathElement::new(
                            path,
                            INK.stroke_width(1),
                        )))?;
                    }
                }
                if let Some(label) = chart.value_label {
                    let top = bar.ci95.map_or(bar.value, |(_, high)| high.max(bar.value));
                    let (x, y) = plot.backend_coord(&(centre, top));
                    area.draw(&Text::new(
                        label(bar.value),
                        (x - base_x, y - base_y - 4),
                        text_style(11.0).pos(Pos::new(HPos::Center, VPos::Bottom)),
                    ))?;
                }
            }
        }
        Ok(())
    })
}

/// The height of a chart of `rows` rows (horizontal bars, forest plot).
pub(super) fn rows_height(rows: usize) -> u32 {
    MARGIN * 2 + 24 + 22 + 46 + ROW_HEIGHT * rows.max(1) as u32
}

/// Width of the label column for `labels` [px].
fn label_column(labels: impl Iterator<Item = usize>) -> u32 {
    let longest = labels.max().unwrap_or(4) as f64;
    (longest * 11.0 * 0.6).ceil() as u32 + 16
}

/// Draws horizontal bars, the first row at the top.
pub(super) fn hbar_chart(chart: &HBarChart) -> Svg {
    let size = Size {
        width: chart.width,
        height: rows_height(chart.rows.len()) - 22,
    };
    draw_svg(size, &chart.title, &[], |area| {
        let n_rows = chart.rows.len().max(1);
        let x_range = value_range(
            chart.rows.iter().flat_map(|(_, bar)| {
                let (low, high) = bar.ci95.unwrap_or((bar.value, bar.value));
                [bar.value, low, high]
            }),
            true,
        );
        // Room right of the longest bar for its label.
        let x_range = x_range.start..x_range.end + (x_range.end - x_range.start) * 0.12;
        let labels = label_column(chart.rows.iter().map(|(label, _)| label.chars().count()));
        let mut plot = ChartBuilder::on(area)
            .x_label_area_size(42)
            .y_label_area_size(labels)
            .margin_right(12)
            .build_cartesian_2d(x_range.clone(), -0.5..(n_rows as f64 - 0.5))?;
        plot.configure_mesh()
            .max_light_lines(0)
            .disable_y_mesh()
            .bold_line_style(INK.mix(0.12))
            .axis_style(INK)
            .label_style(text_style(11.0))
            .axis_desc_style(text_style(12.0))
            .x_labels(8)
            .y_labels(0)
            .x_label_formatter(&tick_label)
            .x_desc(chart.x_title.as_str())
            .draw()?;
        let (base_x, base_y) = area.get_base_pixel();
        let row_y = |index: usize| (n_rows - 1 - index) as f64;
        for (index, (label, _)) in chart.rows.iter().enumerate() {
            let (x, y) = plot.backend_coord(&(x_range.start, row_y(index)));
            area.draw(&Text::new(
                label.clone(),
                (x - base_x - 6, y - base_y),
                text_style(11.0).pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
        plot.draw_series(chart.rows.iter().enumerate().map(|(index, (_, bar))| {
            let y = row_y(index);
            Rectangle::new(
                [(0f64.max(x_range.start), y - 0.32), (bar.value, y + 0.32)],
                chart.colour.filled(),
            )
        }))?;
        for (index, (_, bar)) in chart.rows.iter().enumerate() {
            let y = row_y(index);
            let mut right = bar.value;
            if let Some((low, high)) = bar.ci95 {
                right = right.max(high);
                for path in [
                    vec![(low, y), (high, y)],
                    vec![(low, y - 0.15), (low, y + 0.15)],
                    vec![(high, y - 0.15), (high, y + 0.15)],
                ] {
                    plot.draw_series(std::iter::once(PathElement::new(path, INK.stroke_width(1))))?;
                }
            }
            let (x, y) = plot.backend_coord(&(right, y));
            area.draw(&Text::new(
                (chart.value_label)(bar.value),
                (x - base_x + 6, y - base_y),
                text_style(11.0).pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        Ok(())
    })
}

/// Draws a forest plot: each row's value as a dot with its interval, a line
/// at zero, guard limits as vertical strokes across their row.
pub(super) fn forest_chart(chart: &ForestChart) -> Svg {
    let size = Size {
        width: chart.width,
        height: rows_height(chart.rows.len()),
    };
    let legend = vec![
        ("difference and its 95% interval".to_string(), PALETTE[0]),
        ("failed guard".to_string(), ALERT),
        ("guard limit".to_string(), INK),
    ];
    draw_svg(size, &chart.title, &legend, |area| {
        let n_rows = chart.rows.len().max(1);
        let x_range = value_range(
            chart.rows.iter().flat_map(|row| {
                let (low, high) = row.ci95.unwrap_or((row.value, row.value));
                [row.value, low, high]
                    .into_iter()
                    .chain(row.limits.iter().copied())
            }),
            true,
        );
        let labels = label_column(chart.rows.iter().map(|row| row.label.chars().count()));
        let mut plot = ChartBuilder::on(area)
            .x_label_area_size(42)
            .y_label_area_size(labels)
            .margin_right(16)
            .build_cartesian_2d(x_range.clone(), -0.5..(n_rows as f64 - 0.5))?;
        plot.configure_mesh()
            .max_light_lines(0)
            .disable_y_mesh()
            .bold_line_style(INK.mix(0.12))
            .axis_style(INK)
            .label_style(text_style(11.0))
            .axis_desc_style(text_style(12.0))
            .x_labels(10)
            .y_labels(0)
            .x_label_formatter(&tick_label)
            .x_desc(chart.x_title.as_str())
            .draw()?;
        let (base_x, base_y) = area.get_base_pixel();
        let row_y = |index: usize| (n_rows - 1 - index) as f64;
        plot.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, -0.5), (0.0, n_rows as f64 - 0.5)],
            INK.stroke_width(1),
        )))?;
        for (index, row) in chart.rows.iter().enumerate() {
            let y = row_y(index);
            let (x, label_y) = plot.backend_coord(&(x_range.start, y));
            area.draw(&Text::new(
                row.label.clone(),
                (x - base_x - 6, label_y - base_y),
                text_style(11.0)
                    .color(if row.alert { &ALERT } else { &INK })
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
            let colour = if row.alert { ALERT } else { PALETTE[0] };
            if let Some((low, high)) = row.ci95 {
                for path in [
                    vec![(low, y), (high, y)],
                    vec![(low, y - 0.2), (low, y + 0.2)],
                    vec![(high, y - 0.2), (high, y + 0.2)],
                ] {
                    plot.draw_series(std::iter::once(PathElement::new(
                        path,
                        colour.stroke_width(2),
                    )))?;
                }
            }
            plot.draw_series(std::iter::once(Circle::new(
                (row.value, y),
                4,
                colour.filled(),
            )))?;
            for limit in &row.limits {
                plot.draw_series(std::iter::once(PathElement::new(
                    vec![(*limit, y - 0.45), (*limit, y + 0.45)],
                    INK.stroke_width(3),
                )))?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdf_points_run_from_the_smallest_to_the_largest_value() {
        assert!(cdf_points(&[]).is_empty());
        assert_eq!(cdf_points(&[4.0]), [(4.0, 0.0), (4.0, 100.0)]);
        assert_eq!(
            cdf_points(&[1.0, 2.0, 3.0]),
            [(1.0, 0.0), (2.0, 50.0), (3.0, 100.0)]
        );
        let many: Vec<f64> = (0..1001).map(f64::from).collect();
        let points = cdf_points(&many);
        assert_eq!(points.len(), CDF_POINTS);
        assert_eq!(points[0], (0.0, 0.0));
        assert_eq!(points[CDF_POINTS - 1], (1000.0, 100.0));
        // Evenly spaced probabilities over evenly spaced values: x = 10 y.
        for (x, y) in points {
            assert!((x - 10.0 * y).abs() < 1e-9, "({x}, {y})");
        }
    }

    #[test]
    fn tick_labels_are_short() {
        let check = |value: f64, expected: &str| assert_eq!(tick_label(&value), expected);
        check(0.0, "0");
        check(-0.0001, "0");
        check(0.1, "0.1");
        check(0.30000000000000004, "0.3");
        check(2.5, "2.5");
        check(12.25, "12.2");
        check(150.0, "150");
        check(1200.0, "1200");
        check(-3.0, "-3");
    }

    #[test]
    fn value_ranges_hold_the_values_and_are_never_empty() {
        let range = value_range([1.0, 3.0].into_iter(), true);
        assert_eq!(range.start, 0.0);
        assert!(range.end > 3.0 && range.end < 3.5, "{range:?}");
        let range = value_range([5.0, 5.0].into_iter(), false);
        assert!(range.start < 5.0 && range.end > 5.0, "{range:?}");
        let range = value_range(std::iter::empty(), true);
        assert_eq!(range, 0.0..1.0);
        let range = value_range([-2.0, 1.0].into_iter(), true);
        assert!(range.start < -2.0 && range.end > 1.0, "{range:?}");
        let range = value_range([0.0, 0.0].into_iter(), true);
        assert!(range.start <= 0.0 && range.end > 0.0, "{range:?}");
    }

    #[test]
    fn charts_are_inline_svg_of_their_size_with_titles_and_one_polyline_per_line() {
        let svg = line_chart(&LineChart {
            title: "Drives on site".into(),
            x_title: "time since start [days]".into(),
            y_title: "drives [drives]".into(),
            size: HALF,
            x_axis: XAxis::Numeric,
            lines: vec![Line {
                name: "drives".into(),
                colour: colour(0),
                points: vec![(0.0, 1.0), (1.0, 3.0), (2.0, 2.0)],
                band: Vec::new(),
                dots: false,
            }],
            markers: Vec::new(),
            y_range: None,
            legend: false,
        });
        assert_eq!(svg.size, HALF);
        assert!(
            svg.markup
                .starts_with("<svg width=\"580\" height=\"340\" viewBox=\"0 0 580 340\">"),
            "{}",
            &svg.markup[..100]
        );
        assert!(!svg.markup.contains("http"), "no address");
        for text in [
            "Drives on site",
            "time since start [days]",
            "drives [drives]",
        ] {
            assert!(svg.markup.contains(text), "{text}");
        }
        assert_eq!(svg.markup.matches("stroke=\"#0072B2\"").count(), 1);
    }
}
