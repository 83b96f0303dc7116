//! Merging: the embedded baseline, then a scenario file, then `--set`
//! overrides, on TOML tables at the level of `section.key`, each key
//! remembering where it was last set.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::de::DeTable;

use crate::dist::describe_value;
use crate::echo;

use super::file::{SECTIONS, ScenarioFile};
use super::spans::*;
use super::{BASELINE_ORIGIN, BASELINE_TOML, Location, ScenarioError, Source};

/// The merged TOML so far and where each `section.key` came from.
pub(super) struct Resolver {
    pub(super) table: toml::Table,
    pub(super) origins: BTreeMap<String, Origin>,
}

/// Where one `section.key` was last set.
#[derive(Clone, Debug)]
pub(super) struct Origin {
    pub(super) source: Source,
    /// The folder relative paths in this value are resolved against.
    pub(super) base_dir: Option<PathBuf>,
}

impl Resolver {
    /// Starts from the embedded baseline.
    pub(super) fn baseline() -> Result<Resolver, ScenarioError> {
        let mut resolver = Resolver {
            table: toml::Table::new(),
            origins: BTreeMap::new(),
        };
        resolver.merge_file(BASELINE_TOML, BASELINE_ORIGIN, None)?;
        Ok(resolver)
    }

    /// Checks the TOML `text` of a (possibly partial) scenario file and lays
    /// its keys over the merged table.
    pub(super) fn merge_file(
        &mut self,
        text: &str,
        name: &str,
        base_dir: Option<&Path>,
    ) -> Result<(), ScenarioError> {
        // Parsing with recovery keeps the keys before a syntax error, so even
        // that error can name the key it is in.
        let (document, errors) = DeTable::parse_recoverable(text);
        let spans = KeySpans::new(text, document.get_ref());
        let invalid = |span: Option<Range<usize>>, message: String| {
            ScenarioError::invalid(spans.locate(name, span), &message)
        };
        if let Some(error) = errors.first() {
            return Err(invalid(
                error.span(),
                format!("invalid TOML: {}", error.message()),
            ));
        }
        check_file_keys(document.get_ref(), &invalid)?;
        // Deserializing the text itself (not a table made from it) gives
        // every value error the span of the value.
        if let Err(error) = toml::from_str::<ScenarioFile>(text) {
            return Err(invalid(error.span(), error.message().to_string()));
        }
        let file_table: toml::Table = toml::from_str(text)
            .map_err(|error| invalid(error.span(), error.message().to_string()))?;
        for (section, keys) in file_table {
            let toml::Value::Table(keys) = keys else {
                unreachable!("check_file_keys lets only tables through as sections");
            };
            for (key, value) in keys {
                let dotted = format!("{section}.{key}");
                let origin = Origin {
                    source: Source::File {
                        name: name.to_string(),
                        position: spans.value_position(&dotted),
                    },
                    base_dir: base_dir.map(Path::to_path_buf),
                };
                self.origins.insert(dotted, origin);
                self.section_mut(&section)
                    .insert(key, datetimes_as_text(value));
            }
        }
        Ok(())
    }

    /// Applies one `--set KEY=VALUE` (README, Commands) and checks the value it sets.
    pub(super) fn apply_set(&mut self, text: &str) -> Result<(), ScenarioError> {
        let Some((key_text, value_text)) = text.split_once('=') else {
            return Err(ScenarioError::SetSyntax {
                text: text.to_string(),
            });
        };
        let key_text = key_text.trim();
        let value_text = value_text.trim();
        let invalid = |key: Option<&str>, message: String| {
            let at = Location {
                source: Some(Source::Set {
                    text: text.to_string(),
                }),
                key: key.map(str::to_string),
            };
            ScenarioError::invalid(at, &message)
        };
        let path: Vec<&str> = key_text.split('.').map(str::trim).collect();
        if key_text.is_empty() || path.iter().any(|part| part.is_empty()) {
            return Err(ScenarioError::SetSyntax {
                text: text.to_string(),
            });
        }
        let Some(allowed) = section_keys(path[0]) else {
            let message = match owning_section(path[0]) {
                Some(section) if path.len() == 1 => {
                    format!("expected SECTION.KEY: did you mean {section}.{}?", path[0])
                }
                _ => unknown_name_message("section", path[0], &section_names()),
            };
            return Err(invalid(Some(key_text), message));
        };
        if path.len() == 1 {
            return Err(invalid(
                Some(key_text),
                format!("expected SECTION.KEY, e.g. {}.{}", path[0], allowed[0]),
            ));
        }
        let (section, key) = (path[0], path[1]);
        let dotted = format!("{section}.{key}");
        if !allowed.contains(&key) {
            let message = unknown_name_message(&format!("key in [{section}]"), key, allowed);
            return Err(invalid(Some(&dotted), message));
        }
        let value = parse_set_value(value_text)
            .map(datetimes_as_text)
            .map_err(|message| invalid(Some(&dotted), message))?;

        // The new value of `section.key`: the value itself, or the current
        // table with one entry changed.
        let new_value = if path.len() == 2 {
            value
        } else {
            let mut current = self
                .table
                .get(section)
                .and_then(|keys| keys.get(key))
                .cloned()
                .unwrap_or_else(|| toml::Value::Table(toml::Table::new()));
            set_nested(&mut current, &path[2..], value)
                .map_err(|message| invalid(Some(&dotted), message))?;
            current
        };

        // Check the one key on its own, as a file holding only it.
        let mut single_section = toml::Table::new();
        single_section.insert(key.to_string(), new_value.clone());
        let mut single = toml::Table::new();
        single.insert(section.to_string(), toml::Value::Table(single_section));
        if let Err(error) = toml::Value::Table(single).try_into::<ScenarioFile>() {
            return Err(invalid(Some(&dotted), error.message().to_string()));
        }

        self.section_mut(section).insert(key.to_string(), new_value);
        self.origins.insert(
            dotted,
            Origin {
                source: Source::Set {
                    text: text.to_string(),
                },
                base_dir: None,
            },
        );
        Ok(())
    }

    /// The merged table of one section, created empty if needed.
    pub(super) fn section_mut(&mut self, section: &str) -> &mut toml::Table {
        let entry = self
            .table
            .entry(section.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        match entry {
            toml::Value::Table(table) => table,
            _ => unreachable!("sections are checked to be tables before they are merged"),
        }
    }

    /// Where `key` was last set, for an error about it.
    pub(super) fn at(&self, key: &str) -> Location {
        Location {
            source: self.origins.get(key).map(|origin| origin.source.clone()),
            key: Some(key.to_string()),
        }
    }

    pub(super) fn invalid(&self, key: &str, message: String) -> ScenarioError {
        ScenarioError::invalid(self.at(key), &message)
    }
}

/// Rejects unknown sections and keys of a parsed file, and sections that are
/// not tables, with a suggestion when the name is close to a known one.
pub(super) fn check_file_keys(
    document: &DeTable<'_>,
    invalid: &dyn Fn(Option<Range<usize>>, String) -> ScenarioError,
) -> Result<(), ScenarioError> {
    for (section, value) in document.iter() {
        let section_name = section.get_ref().as_ref();
        let Some(allowed) = section_keys(section_name) else {
            let message = match owning_section(section_name) {
                Some(owner) => format!("unknown section; `{section_name}` belongs in [{owner}]"),
                None => unknown_name_message("section", section_name, &section_names()),
            };
            return Err(invalid(Some(section.span()), message));
        };
        let Some(keys) = value.get_ref().as_table() else {
            return Err(invalid(
                Some(value.span()),
                format!(
                    "expected a table [{section_name}], got {}",
                    value.get_ref().type_str()
                ),
            ));
        };
        for (key, _) in keys.iter() {
            let key_name = key.get_ref().as_ref();
            if !allowed.contains(&key_name) {
                let message =
                    unknown_name_message(&format!("key in [{section_name}]"), key_name, allowed);
                return Err(invalid(Some(key.span()), message));
            }
        }
    }
    Ok(())
}

/// The keys a section allows, or `None` for an unknown section.
pub(super) fn section_keys(section: &str) -> Option<&'static [&'static str]> {
    SECTIONS
        .iter()
        .find(|(name, _)| *name == section)
        .map(|(_, keys)| *keys)
}

pub(super) fn section_names() -> Vec<&'static str> {
    SECTIONS.iter().map(|(name, _)| *name).collect()
}

/// The section a key belongs to, for a key written without its section.
pub(super) fn owning_section(key: &str) -> Option<&'static str> {
    SECTIONS
        .iter()
        .find(|(_, keys)| keys.contains(&key))
        .map(|(name, _)| *name)
}

/// "unknown key in [customer] `x`, did you mean `y`?" or, with nothing
/// close, the list of names allowed.
pub(super) fn unknown_name_message(what: &str, name: &str, allowed: &[&str]) -> String {
    // A name far longer than every allowed one is no typo of one (and its
    // distances would take long to compute).
    const LONGEST_TYPO: usize = 64;
    let closest = allowed
        .iter()
        .filter(|_| name.len() <= LONGEST_TYPO)
        .map(|candidate| (strsim::levenshtein(name, candidate), *candidate))
        .min();
    let name = echo::cut(name);
    match closest {
        Some((distance, candidate)) if distance <= 2.max(name.len() / 3) => {
            format!("unknown {what} `{name}`, did you mean `{candidate}`?")
        }
        _ => {
            let list: Vec<String> = allowed.iter().map(|name| format!("`{name}`")).collect();
            format!(
                "unknown {what} `{name}`, expected one of {}",
                list.join(", ")
            )
        }
    }
}

/// A `--set` VALUE: a TOML value when it parses as one, else the text as a
/// string (so `7d` needs no quotes). Text that starts like a TOML array,
/// table or quoted string but does not parse is an error, not a string.
pub(super) fn parse_set_value(text: &str) -> Result<toml::Value, String> {
    match text.parse::<toml::Value>() {
        Ok(value) => Ok(value),
        Err(error) if text.starts_with(['[', '{', '"', '\'']) => Err(format!(
            "VALUE {} is not valid TOML: {}",
            echo::quote(text),
            error.message()
        )),
        Err(_) => Ok(toml::Value::String(text.to_string())),
    }
}

/// `value` with every TOML date-time (`start = 2026-01-05T00:00:00Z`,
/// unquoted) turned into its text, as if it had been quoted: the merged
/// table is written to `run.json`, and JSON has no date-time (serde would
/// show toml's private wrapper, `{"$__toml_private_datetime": ...}`).
pub(super) fn datetimes_as_text(value: toml::Value) -> toml::Value {
    match value {
        toml::Value::Datetime(datetime) => toml::Value::String(datetime.to_string()),
        toml::Value::Array(items) => {
            toml::Value::Array(items.into_iter().map(datetimes_as_text).collect())
        }
        toml::Value::Table(table) => toml::Value::Table(
            table
                .into_iter()
                .map(|(key, value)| (key, datetimes_as_text(value)))
                .collect(),
        ),
        other @ (toml::Value::String(_)
        | toml::Value::Integer(_)
        | toml::Value::Float(_)
        | toml::Value::Boolean(_)) => other,
    }
}

/// Sets `path` inside `target` (a table), creating missing inner tables.
pub(super) fn set_nested(
    target: &mut toml::Value,
    path: &[&str],
    value: toml::Value,
) -> Result<(), String> {
    let toml::Value::Table(table) = target else {
        return Err(format!(
            "cannot set `{}` inside {}: only a distribution table has inner keys; \
             set the whole key instead",
            path.join("."),
            describe_value(target)
        ));
    };
    match path {
        [last] => {
            table.insert(last.to_string(), value);
            Ok(())
        }
        [first, rest @ ..] => {
            let inner = table
                .entry(first.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            set_nested(inner, rest, value)
        }
        [] => unreachable!("a --set key has at least three parts here"),
    }
}
