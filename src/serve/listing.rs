//! Query strings: `api-version`, and List Jobs' `$top`, `$filter` and the
//! paging token of its `nextLink`.
//!
//! A listing returns jobs in name order, `page_size` to a page; `$top`
//! caps the total over all pages, not the page. The `nextLink` is an
//! absolute URL that repeats every query parameter of the first call and
//! adds `$skiptoken=<returned>-<last name>`: the next page resumes after
//! that name whatever was created or deleted in between, and knows how many
//! jobs `$top` still allows. `$filter` takes `state eq '<State>'`, the one
//! filter the service documents for jobs; anything else is refused with an
//! ARM 400 rather than ignored.

use crate::api::API_VERSIONS;
use crate::model::JobState;
use crate::serve::error::ApiError;

/// The query parameters of a request, decoded, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

/// What a List Jobs call asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub top: Option<u64>,
    pub state: Option<JobState>,
    /// Jobs already returned by earlier pages, and the last one's name.
    pub resume: Option<(u64, String)>,
}

impl Query {
    /// Reads a raw query string (`a=1&b=x%20y`); `+` is a space.
    pub fn parse(raw: Option<&str>) -> Query {
        let pairs = raw
            .unwrap_or_default()
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(key), decode(value))
            })
            .collect();
        Query { pairs }
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Checks `api-version` against the versions served.
    pub fn check_api_version(&self) -> Result<(), ApiError> {
        match self.get("api-version") {
            None => Err(ApiError::MissingApiVersion),
            Some(version) if API_VERSIONS.contains(&version) => Ok(()),
            Some(version) => Err(ApiError::UnsupportedApiVersion(
                crate::echo::cut(version).into_owned(),
            )),
        }
    }

    /// The listing the query asks for.
    pub fn list_query(&self) -> Result<ListQuery, ApiError> {
        let top = self
            .get("$top")
            .map(|text| {
                text.trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|&top| top > 0)
                    .ok_or_else(|| ApiError::InvalidQuery {
                        parameter: "$top",
                        message: format!(
                            "`{}`: expected a positive whole number",
                            crate::echo::cut(text)
                        ),
                    })
            })
            .transpose()?;
        let state = self.get("$filter").map(parse_filter).transpose()?;
        let resume = self
            .get("$skiptoken")
            .map(|token| {
                token
                    .split_once('-')
                    .and_then(|(returned, after)| Some((returned.parse().ok()?, after.to_string())))
                    .ok_or_else(|| ApiError::InvalidQuery {
                        parameter: "$skiptoken",
                        message: "not a token of this server's nextLink".to_string(),
                    })
            })
            .transpose()?;
        Ok(ListQuery { top, state, resume })
    }
}

/// The next page's link: `base` + the raw query without its old
/// `$skiptoken`, + the new one.
pub fn next_link(base: &str, raw_query: Option<&str>, returned: u64, last: &str) -> String {
    let mut link = String::from(base);
    let mut separator = '?';
    for pair in raw_query.unwrap_or_default().split('&') {
        let key = pair.split_once('=').map_or(pair, |(key, _)| key);
        if pair.is_empty() || decode(key) == "$skiptoken" {
            continue;
        }
        link.push(separator);
        link.push_str(pair);
        separator = '&';
    }
    link.push(separator);
    // Job names are letters, digits, `-` and `_`: nothing to escape.
    link.push_str(&format!("$skiptoken={returned}-{last}"));
    link
}

/// `state eq '<State>'` (keywords and the property name in any case).
fn parse_filter(text: &str) -> Result<JobState, ApiError> {
    let refuse = || ApiError::InvalidQuery {
        parameter: "$filter",
        message: format!(
            "`{}`: expected state eq '<State>' with one of {}",
            crate::echo::cut(text),
            JobState::ALL.map(JobState::as_str).join(", ")
        ),
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    let [property, op, value] = words[..] else {
        return Err(refuse());
    };
    let property_ok =
        property.eq_ignore_ascii_case("state") || property.eq_ignore_ascii_case("properties/state");
    if !property_ok || !op.eq_ignore_ascii_case("eq") {
        return Err(refuse());
    }
    let value = value
        .strip_prefix('\'')
        .and_then(|value| value.strip_suffix('\''))
        .ok_or_else(refuse)?;
    JobState::ALL
        .into_iter()
        .find(|state| state.as_str().eq_ignore_ascii_case(value))
        .ok_or_else(refuse)
}

/// Percent-decoding (`%20`, `+` as a space); a malformed escape is kept as is.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 3 <= bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_decoded() {
        let query = Query::parse(Some(
            "api-version=2016-11-01&%24filter=state%20eq%20%27Shipping%27&$top=3&x=a+b&bad=%zz&end=%4",
        ));
        assert_eq!(query.get("api-version"), Some("2016-11-01"));
        assert_eq!(query.get("$filter"), Some("state eq 'Shipping'"));
        assert_eq!(query.get("x"), Some("a b"));
        assert_eq!(query.get("bad"), Some("%zz"));
        assert_eq!(query.get("end"), Some("%4"));
        assert_eq!(query.get("missing"), None);
    }

    #[test]
    fn api_versions() {
        let check = |raw| Query::parse(raw).check_api_version();
        assert_eq!(check(Some("api-version=2016-11-01")), Ok(()));
        assert_eq!(check(Some("api-version=2021-01-01")), Ok(()));
        assert_eq!(check(None), Err(ApiError::MissingApiVersion));
        assert_eq!(
            check(Some("api-version=2020-08-01")),
            Err(ApiError::UnsupportedApiVersion("2020-08-01".into()))
        );
    }

    #[test]
    fn list_queries() {
        let list = |raw: &str| Query::parse(Some(raw)).list_query();
        assert_eq!(
            list("$top=5&$filter=State Eq 'shipping'&$skiptoken=4-job-0000003"),
            Ok(ListQuery {
                top: Some(5),
                state: Some(JobState::Shipping),
                resume: Some((4, "job-0000003".into()))
            })
        );
        for bad in [
            "$top=0",
            "$top=x",
            "$filter=state ne 'Shipping'",
            "$filter=state eq 'Lost'",
            "$filter=name eq 'x'",
            "$filter=state eq Shipping",
            "$skiptoken=abc",
        ] {
            assert!(list(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn next_links_repeat_every_parameter() {
        assert_eq!(
            next_link(
                "http://h/jobs",
                Some("api-version=2016-11-01&$top=5&%24skiptoken=1-a"),
                3,
                "job-c"
            ),
            "http://h/jobs?api-version=2016-11-01&$top=5&$skiptoken=3-job-c"
        );
    }
}
