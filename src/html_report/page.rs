//! The HTML around the charts: one page with inline CSS, headings, fact
//! lists, tables and figures, and the number formats the text uses.
//!
//! Layout is fixed (a 1180-pixel column, charts in their own sizes, two half
//! charts to a row), so the page reads the same everywhere and a test can
//! find every chart in a screenshot: the charts are the only white
//! rectangles on the grey page.

use std::fmt::Write as _;

use super::charts::Svg;

/// The page's style sheet.
const CSS: &str = "\
:root { color-scheme: light; }
body { margin: 0; background: #eceff3; color: #222; \
font: 14px/20px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }
main { width: 1180px; margin: 0 auto; padding: 20px 20px 40px; }
h1 { font-size: 24px; line-height: 30px; margin: 0 0 6px; }
h2 { font-size: 18px; line-height: 24px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #c3cad3; }
h3 { font-size: 15px; line-height: 20px; margin: 16px 0 8px; }
p { margin: 6px 0; max-width: 1000px; }
p.note, figcaption { color: #4b5563; font-size: 12.5px; line-height: 18px; }
.charts { display: flex; flex-wrap: wrap; gap: 20px; }
figure { margin: 0; }
figure svg { display: block; }
figcaption { margin-top: 4px; }
table { border-collapse: collapse; margin: 6px 0 12px; max-width: 1180px; }
th, td { padding: 3px 10px; border-bottom: 1px solid #c3cad3; text-align: left; vertical-align: top; }
th { background: #dde3ea; font-weight: 600; overflow-wrap: anywhere; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.alert td { color: #9c3d00; font-weight: 600; }
td.code { overflow-wrap: anywhere; }
code, td.code { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: 12.5px; line-height: 20px; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 2px 18px; margin: 8px 0; }
dl.facts dt { color: #4b5563; }
dl.facts dd { margin: 0; }
.verdict { padding: 12px 16px; margin: 10px 0 14px; font-size: 20px; line-height: 26px; font-weight: 700; color: #fff; }
.verdict.pass { background: #00785a; }
.verdict.fail { background: #b04600; }
.verdict.neutral { background: #4b5966; }
";

/// An HTML page being built.
pub(super) struct Page {
    html: String,
}

/// A chart with its anchor and caption.
pub(super) struct Figure {
    /// The element id, `chart-<name>`; unique in the page.
    pub id: String,
    pub svg: Svg,
    /// A sentence under the chart: what the band or whiskers are, where
    /// the data comes from.
    pub caption: String,
}

/// A table: header, rows, and which columns hold numbers.
pub(super) struct Table {
    pub header: Vec<String>,
    pub rows: Vec<TableRow>,
    /// Right-aligned columns.
    pub numeric: Vec<usize>,
    /// Columns in a monospace font (keys, values of a scenario).
    pub code: Vec<usize>,
}

/// One table row.
pub(super) struct TableRow {
    pub cells: Vec<String>,
    /// Shown in the alert style (a failed guard).
    pub alert: bool,
}

/// The outcome a banner announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum VerdictKind {
    Pass,
    Fail,
    /// Nothing to pass or fail (no guards).
    Neutral,
}

impl Page {
    /// Starts a page titled `title`.
    pub(super) fn new(title: &str) -> Page {
        let mut html = String::with_capacity(1 << 18);
        let _ = write!(
            html,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"generator\" content=\"impexsim\">\n\
             <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n",
            escape(title)
        );
        Page { html }
    }

    pub(super) fn h1(&mut self, text: &str) {
        let _ = writeln!(self.html, "<h1>{}</h1>", escape(text));
    }

    /// A section heading with an anchor `id`.
    pub(super) fn h2(&mut self, id: &str, text: &str) {
        let _ = writeln!(self.html, "<h2 id=\"{id}\">{}</h2>", escape(text));
    }

    pub(super) fn h3(&mut self, text: &str) {
        let _ = writeln!(self.html, "<h3>{}</h3>", escape(text));
    }

    pub(super) fn paragraph(&mut self, text: &str) {
        let _ = writeln!(self.html, "<p>{}</p>", escape(text));
    }

    /// A paragraph in the small grey style.
    pub(super) fn note(&mut self, text: &str) {
        let _ = writeln!(self.html, "<p class=\"note\">{}</p>", escape(text));
    }

    /// A coloured banner: PASS, FAIL or a neutral statement.
    pub(super) fn verdict(&mut self, kind: VerdictKind, text: &str) {
        let class = match kind {
            VerdictKind::Pass => "pass",
            VerdictKind::Fail => "fail",
            VerdictKind::Neutral => "neutral",
        };
        let _ = writeln!(
            self.html,
            "<div class=\"verdict {class}\" id=\"verdict\">{}</div>",
            escape(text)
        );
    }

    /// Name-value pairs.
    pub(super) fn facts(&mut self, facts: &[(&str, String)]) {
        self.html.push_str("<dl class=\"facts\">\n");
        for (name, value) in facts {
            let _ = writeln!(
                self.html,
                "<dt>{}</dt><dd>{}</dd>",
                escape(name),
                escape(value)
            );
        }
        self.html.push_str("</dl>\n");
    }

    pub(super) fn table(&mut self, id: &str, table: &Table) {
        let _ = writeln!(self.html, "<table id=\"{id}\">");
        self.html.push_str("<thead><tr>");
        for name in &table.header {
            let _ = write!(self.html, "<th>{}</th>", escape(name));
        }
        self.html.push_str("</tr></thead>\n<tbody>\n");
        for row in &table.rows {
            self.html.push_str(if row.alert {
                "<tr class=\"alert\">"
            } else {
                "<tr>"
            });
            for (column, cell) in row.cells.iter().enumerate() {
                let class = if table.numeric.contains(&column) {
                    " class=\"num\""
                } else if table.code.contains(&column) {
                    " class=\"code\""
                } else {
                    ""
                };
                let _ = write!(self.html, "<td{class}>{}</td>", escape(cell));
            }
            self.html.push_str("</tr>\n");
        }
        self.html.push_str("</tbody>\n</table>\n");
    }

    /// Figures side by side, wrapping at the column's width.
    pub(super) fn figures(&mut self, figures: &[Figure]) {
        self.html.push_str("<div class=\"charts\">\n");
        for figure in figures {
            let _ = write!(
                self.html,
                "<figure class=\"chart\" id=\"{}\" style=\"width: {}px\">\n{}\n\
                 <figcaption>{}</figcaption>\n</figure>\n",
                figure.id,
                figure.svg.size.width,
                figure.svg.markup.trim_end(),
                escape(&figure.caption)
            );
        }
        self.html.push_str("</div>\n");
    }

    pub(super) fn finish(mut self) -> String {
        self.html.push_str("</main>\n</body>\n</html>\n");
        self.html
    }
}

/// `text` safe in HTML text and attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// A value with four significant digits (at most six decimals), trailing
/// zeros removed.
pub(super) fn number(value: f64) -> String {
    let magnitude = if value == 0.0 {
        0
    } else {
        value.abs().log10().floor() as i32
    };
    let decimals = (3 - magnitude).clamp(0, 6) as usize;
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

/// `number` with a sign: `+1.5`, `-0.25`, `+0`.
pub(super) fn signed(value: f64) -> String {
    let text = number(value);
    if text.starts_with('-') {
        text
    } else {
        format!("+{text}")
    }
}

/// `number`, or `-` for no value.
pub(super) fn optional(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), number)
}

/// `low .. high`, or `-` for no interval.
pub(super) fn interval(ci95: Option<(f64, f64)>) -> String {
    match ci95 {
        Some((low, high)) => format!("{} .. {}", number(low), number(high)),
        None => "-".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_four_significant_digits() {
        let check = |value: f64, expected: &str| assert_eq!(number(value), expected, "{value}");
        check(0.0, "0");
        check(12.0, "12");
        check(5988.7, "5989");
        check(0.098257, "0.09826");
        check(-733.222539, "-733.2");
        check(-0.0000001, "0");
        assert_eq!(signed(0.0), "+0");
        assert_eq!(signed(-1.5), "-1.5");
        assert_eq!(optional(None), "-");
        assert_eq!(interval(Some((1.0, 2.5))), "1 .. 2.5");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
