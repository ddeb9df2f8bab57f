//! The API keys the app accepts, from the Spin variable `api_keys`: a
//! comma-separated list. No keys means the API is open; with keys, a request
//! must carry `Authorization: Bearer <key>` with one of them.
//!
//! Keys are compared in constant time, so the time a wrong guess takes says
//! nothing about how much of it was right. Nothing here prints a key: the
//! type's `Debug` shows only how many there are.

/// The accepted keys.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKeys {
    keys: Vec<String>,
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization` header, or one that is not a bearer token.
    MissingKey,
    /// A bearer token that is none of the keys.
    WrongKey,
}

impl Refusal {
    /// The message for the client; it never repeats the key it was sent.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::MissingKey => {
                "this route needs an API key: send `Authorization: Bearer <key>`"
            }
            Refusal::WrongKey => "the API key is not valid",
        }
    }
}

impl ApiKeys {
    /// The keys listed in `variable`, comma-separated; spaces around a key
    /// and empty entries are ignored.
    pub fn parse(variable: &str) -> Self {
        Self {
            keys: variable
                .split(',')
                .map(str::trim)
                .filter(|key| !key.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    }

    /// Whether no key is set, so every request is accepted.
    pub fn is_open(&self) -> bool {
        self.keys.is_empty()
    }

    /// The first key, for a client of the app to send (the deployment's
    /// smoke test does); none when the API is open.
    pub fn first(&self) -> Option<&str> {
        self.keys.first().map(String::as_str)
    }

    /// Accepts a request whose `Authorization` header (`authorization`, when
    /// it has one) carries one of the keys, or any request when there are
    /// none: the key it carried, `None` when the API is open.
    pub fn check<'a>(&self, authorization: Option<&'a [u8]>) -> Result<Option<&'a [u8]>, Refusal> {
        if self.is_open() {
            return Ok(None);
        }
        let token = authorization
            .and_then(bearer_token)
            .ok_or(Refusal::MissingKey)?;
        // Every key is compared, so the time taken does not say which matched.
        let matched = self.keys.iter().fold(false, |matched, key| {
            matched | constant_time_eq(key.as_bytes(), token)
        });
        if matched {
            Ok(Some(token))
        } else {
            Err(Refusal::WrongKey)
        }
    }
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "ApiKeys({} keys)", self.keys.len())
    }
}

/// The token of a `Bearer` credential (the scheme is case-insensitive, as
/// RFC 9110 says), without surrounding spaces.
fn bearer_token(authorization: &[u8]) -> Option<&[u8]> {
    const SCHEME: &[u8] = b"bearer ";
    let (scheme, token) = authorization.split_at_checked(SCHEME.len())?;
    if !scheme.eq_ignore_ascii_case(SCHEME) {
        return None;
    }
    let token = token.trim_ascii();
    (!token.is_empty()).then_some(token)
}

/// Whether `candidate` equals `key`, in a time that depends only on the
/// length of `key`: every byte of the key is compared, whatever the
/// candidate's length, and no comparison stops early.
fn constant_time_eq(key: &[u8], candidate: &[u8]) -> bool {
    let lengths_differ = (key.len() ^ candidate.len()) as u64;
    let difference = key.iter().enumerate().fold(0u8, |difference, (at, byte)| {
        difference | (byte ^ candidate.get(at).copied().unwrap_or(!byte))
    });
    // `black_box` keeps the optimiser from turning the fold into an early exit.
    std::hint::black_box(u64::from(difference) | lengths_differ) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer(key: &str) -> Vec<u8> {
        format!("Bearer {key}").into_bytes()
    }

    #[test]
    fn an_empty_variable_leaves_the_api_open() {
        let keys = ApiKeys::parse("");
        assert!(keys.is_open());
        assert_eq!(keys.check(None), Ok(None));
    }

    #[test]
    fn only_commas_and_spaces_leave_the_api_open() {
        assert!(ApiKeys::parse(" , ,, ").is_open());
    }

    #[test]
    fn keys_are_trimmed_and_empty_entries_ignored() {
        let keys = ApiKeys::parse(" first-key ,, second-key,");
        assert_eq!(
            keys.check(Some(&bearer("first-key"))),
            Ok(Some(&b"first-key"[..]))
        );
        assert_eq!(
            keys.check(Some(&bearer("second-key"))),
            Ok(Some(&b"second-key"[..]))
        );
        assert_eq!(keys.check(Some(&bearer(""))), Err(Refusal::MissingKey));
    }

    #[test]
    fn a_request_without_a_header_is_missing_its_key() {
        let keys = ApiKeys::parse("k1");
        assert_eq!(keys.check(None), Err(Refusal::MissingKey));
    }

    #[test]
    fn a_credential_of_another_scheme_is_missing_its_key() {
        let keys = ApiKeys::parse("k1");
        assert_eq!(keys.check(Some(b"Basic azE6")), Err(Refusal::MissingKey));
        assert_eq!(keys.check(Some(b"k1")), Err(Refusal::MissingKey));
        assert_eq!(keys.check(Some(b"Bearer")), Err(Refusal::MissingKey));
    }

    #[test]
    fn the_scheme_is_case_insensitive() {
        let keys = ApiKeys::parse("k1");
        assert_eq!(keys.check(Some(b"bearer k1")), Ok(Some(&b"k1"[..])));
        assert_eq!(keys.check(Some(b"BEARER k1")), Ok(Some(&b"k1"[..])));
    }

    #[test]
    fn the_key_itself_is_case_sensitive() {
        let keys = ApiKeys::parse("secret");
        assert_eq!(keys.check(Some(&bearer("SECRET"))), Err(Refusal::WrongKey));
    }

    #[test]
    fn a_prefix_or_an_extension_of_a_key_is_wrong() {
        let keys = ApiKeys::parse("secret");
        assert_eq!(keys.check(Some(&bearer("secre"))), Err(Refusal::WrongKey));
        assert_eq!(keys.check(Some(&bearer("secrets"))), Err(Refusal::WrongKey));
    }

    #[test]
    fn a_candidate_that_differs_only_past_the_key_is_unequal() {
        // A missing byte compares against the complement of the key's byte,
        // never against a value that could match.
        assert!(!constant_time_eq(b"ab", b"a"));
        assert!(!constant_time_eq(b"a", b"a\0"));
        assert!(!constant_time_eq(b"\0", b""));
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"same", b"same"));
    }

    #[test]
    fn the_first_key_is_the_first_listed() {
        assert_eq!(ApiKeys::parse(" , k1, k2").first(), Some("k1"));
        assert_eq!(ApiKeys::parse("").first(), None);
    }

    #[test]
    fn debug_output_never_shows_a_key() {
        let shown = format!("{:?}", ApiKeys::parse("top-secret,other"));
        assert_eq!(shown, "ApiKeys(2 keys)");
    }
}
