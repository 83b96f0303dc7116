//! Where a key stands in a scenario file's text: byte spans of every key
//! and value, turned into the dotted key and the line and column an error
//! names.

use std::ops::Range;

use toml::de::DeTable;

use super::{Location, Source};

/// Byte spans of every key and value of a TOML document, to turn an error's
/// span into the dotted key it concerns and a line and column.
pub(super) struct KeySpans<'a> {
    pub(super) text: &'a str,
    pub(super) entries: Vec<KeySpan>,
}

pub(super) struct KeySpan {
    pub(super) dotted: String,
    pub(super) depth: usize,
    pub(super) key: Range<usize>,
    pub(super) value: Range<usize>,
}

impl<'a> KeySpans<'a> {
    pub(super) fn new(text: &'a str, document: &DeTable<'_>) -> KeySpans<'a> {
        let mut spans = KeySpans {
            text,
            entries: Vec::new(),
        };
        spans.walk(document, "", 1);
        spans
    }

    pub(super) fn walk(&mut self, table: &DeTable<'_>, prefix: &str, depth: usize) {
        for (key, value) in table.iter() {
            let dotted = if prefix.is_empty() {
                key.get_ref().to_string()
            } else {
                format!("{prefix}.{}", key.get_ref())
            };
            self.entries.push(KeySpan {
                dotted: dotted.clone(),
                depth,
                key: key.span(),
                value: value.span(),
            });
            if let Some(inner) = value.get_ref().as_table() {
                self.walk(inner, &dotted, depth + 1);
            }
        }
    }

    /// The location of an error with this span: the deepest key whose name
    /// or value contains the span's start.
    pub(super) fn locate(&self, name: &str, span: Option<Range<usize>>) -> Location {
        let Some(span) = span else {
            return Location {
                source: Some(Source::File {
                    name: name.to_string(),
                    position: None,
                }),
                key: None,
            };
        };
        let contains = |range: &Range<usize>| {
            range.start <= span.start && span.start < range.end.max(range.start + 1)
        };
        let key = self
            .entries
            .iter()
            .filter(|entry| contains(&entry.key) || contains(&entry.value))
            .max_by_key(|entry| entry.depth)
            .map(|entry| entry.dotted.clone())
            .or_else(|| key_from_line(self.text, span.start));
        Location {
            source: Some(Source::File {
                name: name.to_string(),
                position: Some(line_column(self.text, span.start)),
            }),
            key,
        }
    }

    /// The line and column of the value of `dotted`.
    pub(super) fn value_position(&self, dotted: &str) -> Option<(usize, usize)> {
        self.entries
            .iter()
            .find(|entry| entry.dotted == dotted)
            .map(|entry| line_column(self.text, entry.value.start))
    }
}

/// The dotted key written on the line holding `offset`, from the text alone:
/// the fallback when the parsed document has no span there (a duplicate key,
/// or a syntax error the parser could not recover from). The key is the
/// text before `=`, inside the nearest `[section]` header above.
pub(super) fn key_from_line(text: &str, offset: usize) -> Option<String> {
    let (line_number, _) = line_column(text, offset);
    let lines: Vec<&str> = text.lines().collect();
    let header = |line: &str| {
        let line = line.trim();
        (line.starts_with('[') && !line.starts_with("[["))
            .then(|| line.trim_start_matches('[').split(']').next())
            .flatten()
            .map(|name| name.trim().to_string())
    };
    let line = lines.get(line_number.checked_sub(1)?)?;
    if let Some(section) = header(line) {
        return Some(section);
    }
    let key = line.split_once('=')?.0.trim().trim_matches(['"', '\'']);
    if key.is_empty() || key.starts_with('#') {
        return None;
    }
    let section = lines[..line_number - 1]
        .iter()
        .rev()
        .find_map(|line| header(line));
    Some(match section {
        Some(section) => format!("{section}.{key}"),
        None => key.to_string(),
    })
}

/// The 1-based line and column [characters] of a byte offset.
pub(super) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}
