//! What a message repeats of a user's value: at most `MAX_CHARS` characters.
//!
//! Every error names what the user wrote, but a value can be anything: a
//! 200 MB field of an arrival trace once made a 200 MB message. `quote` and
//! `cut` shorten a value the message builds in; `cut_quoted` shortens the
//! quoted parts of a message built elsewhere (serde's and toml's messages
//! repeat the value they reject in full).

use std::borrow::Cow;

/// The most characters of one value a message repeats.
pub const MAX_CHARS: usize = 80;

/// The most characters of a whole message made by `cut_quoted`.
const MAX_MESSAGE_CHARS: usize = 2_000;

/// `text` quoted and escaped as `{:?}` writes it; a text longer than
/// `MAX_CHARS` characters keeps its first ones and `...` (`MAX_CHARS` in
/// all) and its length: `"abc..." (123456 characters)`.
pub fn quote(text: &str) -> String {
    match cut_point(text) {
        None => format!("{text:?}"),
        Some(end) => format!(
            "\"{}...\" ({} characters)",
            text[..end].escape_debug(),
            text.chars().count()
        ),
    }
}

/// `text` as it is, cut like `quote` cuts: `abc... (123456 characters)`.
/// For names shown between backticks or after a colon.
pub fn cut(text: &str) -> Cow<'_, str> {
    match cut_point(text) {
        None => Cow::Borrowed(text),
        Some(end) => Cow::Owned(format!(
            "{}... ({} characters)",
            &text[..end],
            text.chars().count()
        )),
    }
}

/// A number as a message shows it: as Rust writes it (`0.5`, `20`), but in
/// scientific notation when that would be long (`1e308`, not 309 digits).
pub fn number(x: f64) -> String {
    let magnitude = x.abs();
    if magnitude != 0.0 && !(1e-4..1e16).contains(&magnitude) {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// `message` with every `"..."` or `` `...` `` part longer than `MAX_CHARS`
/// characters cut, and the whole cut after `MAX_MESSAGE_CHARS`.
pub fn cut_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(MAX_MESSAGE_CHARS));
    let mut rest = message;
    while let Some(open) = rest.find(['"', '`']) {
        let delimiter = rest.as_bytes()[open];
        out.push_str(&rest[..=open]);
        let inner = &rest[open + 1..];
        let Some(close) = closing(inner, delimiter) else {
            // No closing delimiter: the rest is one unfinished quote.
            out.push_str(&cut(inner));
            rest = "";
            break;
        };
        let body = &inner[..close];
        match cut_point(body) {
            None => {
                out.push_str(body);
                out.push(char::from(delimiter));
            }
            Some(end) => {
                out.push_str(&body[..end]);
                out.push_str("...");
                out.push(char::from(delimiter));
                out.push_str(&format!(" ({} characters)", body.chars().count()));
            }
        }
        rest = &inner[close + 1..];
    }
    out.push_str(rest);
    match cut_at(&out, MAX_MESSAGE_CHARS) {
        None => out,
        Some(end) => format!("{}...", &out[..end]),
    }
}

/// Where `quote` and `cut` end a text longer than `MAX_CHARS` characters:
/// after the first `MAX_CHARS - 3` (then `...`), so a cut text is itself not
/// longer than `MAX_CHARS` and is never cut twice.
fn cut_point(text: &str) -> Option<usize> {
    cut_at(text, MAX_CHARS)?;
    cut_at(text, MAX_CHARS - 3)
}

/// The byte offset after the first `max_chars` characters of `text`, or
/// `None` when `text` is no longer than that.
fn cut_at(text: &str, max_chars: usize) -> Option<usize> {
    text.char_indices().nth(max_chars).map(|(offset, _)| offset)
}

/// The offset in `inner` of the delimiter that closes a quote opened just
/// before it; a `"` quote skips escaped characters (`\"`).
fn closing(inner: &str, delimiter: u8) -> Option<usize> {
    let bytes = inner.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'\\' if delimiter == b'"' => index += 2,
            byte if byte == delimiter => return Some(index),
            _ => index += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_shown_whole() {
        assert_eq!(quote("2026-01-05"), "\"2026-01-05\"");
        assert_eq!(quote("a\"b"), "\"a\\\"b\"");
        assert_eq!(cut("kitten"), "kitten");
        let message = "invalid type: string \"abc\", expected `x`";
        assert_eq!(cut_quoted(message), message);
    }

    #[test]
    fn numbers_stay_short() {
        assert_eq!(number(2.0), "2");
        assert_eq!(number(1.5), "1.5");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(1e308), "1e308");
        assert_eq!(number(-1e-310), "-1e-310");
        assert_eq!(number(f64::INFINITY), "inf");
        assert_eq!(number(f64::NAN), "NaN");
    }

    #[test]
    fn long_values_are_cut_after_max_chars() {
        let long = "x".repeat(200_000);
        let quoted = quote(&long);
        assert_eq!(
            quoted,
            format!("\"{}...\" (200000 characters)", "x".repeat(MAX_CHARS - 3))
        );
        assert_eq!(
            cut(&long),
            format!("{}... (200000 characters)", "x".repeat(MAX_CHARS - 3))
        );
        // Characters, not bytes: a multi-byte character is never split.
        let accents = "é".repeat(100);
        assert_eq!(quote(&accents).matches('é').count(), MAX_CHARS - 3);
        // A cut text is not cut again.
        let once = quote(&long);
        let message = format!("got {once}");
        assert_eq!(cut_quoted(&message), message);
    }

    #[test]
    fn quoted_parts_of_other_messages_are_cut() {
        let long = "y".repeat(1_000);
        let message = format!("invalid type: string \"{long}\", expected `a` or `{long}`");
        let cut_message = cut_quoted(&message);
        assert_eq!(
            cut_message,
            format!(
                "invalid type: string \"{0}...\" (1000 characters), expected `a` or `{0}...` \
                 (1000 characters)",
                "y".repeat(MAX_CHARS - 3)
            )
        );
        // An escaped quote does not end the quoted part.
        let escaped = format!("got \"{}\\\"{}\" here", "a".repeat(10), "b".repeat(100));
        let cut_escaped = cut_quoted(&escaped);
        assert!(
            cut_escaped.ends_with("...\" (112 characters) here"),
            "{cut_escaped}"
        );
        // An unclosed quote and an endless message are cut too.
        let unclosed = cut_quoted(&format!("got \"{long}"));
        assert!(unclosed.len() < 200, "{unclosed}");
        let endless = cut_quoted(&"z ".repeat(10_000));
        assert_eq!(endless.chars().count(), MAX_MESSAGE_CHARS + 3);
    }
}
