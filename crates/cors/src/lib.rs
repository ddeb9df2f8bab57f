//! Cross-origin (CORS) access to the API, from the Spin variable
//! `cors_origins`: the origins whose pages may call the API from a browser,
//! comma-separated (`https://shop.example, http://localhost:8080`), or `*`
//! for any. Empty, the default, means no CORS headers at all, so a browser
//! keeps every other site's page from reading the API's answers; the app's
//! own page is served from the API's origin and needs none.
//!
//! Keys travel in the `Authorization` header, never in cookies, so an
//! allowed origin is not given credentials (`Access-Control-Allow-Credentials`
//! is never sent) and `*` is safe to allow when the API is public.

/// The origins allowed to call the API from a browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedOrigins {
    any: bool,
    origins: Vec<String>,
}

/// The methods a preflight allows: every route takes `GET` or `POST`.
pub const ALLOW_METHODS: &str = "GET, POST";
/// The request headers a preflight allows: the API key and the JSON body's type.
pub const ALLOW_HEADERS: &str = "authorization, content-type";
/// How long a browser may cache a preflight's answer, in seconds.
pub const MAX_AGE_SECONDS: &str = "600";

impl AllowedOrigins {
    /// The origins listed in `variable`, comma-separated; `*` allows any.
    /// Origins match as browsers send them (`scheme://host[:port]`, lower
    /// case), so a listed origin's case and a trailing `/` do not matter.
    pub fn parse(variable: &str) -> Self {
        let entries = variable
            .split(',')
            .map(|origin| origin.trim().trim_end_matches('/').to_ascii_lowercase())
            .filter(|origin| !origin.is_empty());
        let mut allowed = AllowedOrigins {
            any: false,
            origins: Vec::new(),
        };
        for origin in entries {
            if origin == "*" {
                allowed.any = true;
            } else {
                allowed.origins.push(origin);
            }
        }
        allowed
    }

    /// Whether no origin is allowed: CORS is off.
    pub fn is_off(&self) -> bool {
        !self.any && self.origins.is_empty()
    }

    /// The headers that let a page from `origin` (a request's `Origin`
    /// header) read the answer; none when the origin is not allowed.
    pub fn answer_headers(&self, origin: &[u8]) -> Option<Vec<(&'static str, String)>> {
        if self.any {
            return Some(vec![("access-control-allow-origin", "*".into())]);
        }
        let origin = std::str::from_utf8(origin).ok()?;
        self.origins
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(origin))
            .then(|| {
                vec![
                    ("access-control-allow-origin", origin.to_owned()),
                    // The answer differs by origin: caches must keep them apart.
                    ("vary", "Origin".into()),
                ]
            })
    }

    /// The headers of the answer to a preflight (`OPTIONS` with
    /// `Access-Control-Request-Method`) from `origin`; none when the origin
    /// is not allowed.
    pub fn preflight_headers(&self, origin: &[u8]) -> Option<Vec<(&'static str, String)>> {
        let mut headers = self.answer_headers(origin)?;
        headers.extend([
            ("access-control-allow-methods", ALLOW_METHODS.into()),
            ("access-control-allow-headers", ALLOW_HEADERS.into()),
            ("access-control-max-age", MAX_AGE_SECONDS.into()),
        ]);
        Some(headers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>(headers: &'a [(&'static str, String)], name: &str) -> Option<&'a str> {
        headers
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }

    #[test]
    fn an_empty_variable_turns_cors_off() {
        for variable in ["", " ", " , ,"] {
            let allowed = AllowedOrigins::parse(variable);
            assert!(allowed.is_off());
            assert_eq!(allowed.answer_headers(b"https://shop.example"), None);
        }
    }

    #[test]
    fn a_listed_origin_is_echoed_and_the_answer_varies_by_origin() {
        let allowed = AllowedOrigins::parse("https://shop.example, http://localhost:8080");
        let headers = allowed.answer_headers(b"http://localhost:8080").unwrap();
        assert_eq!(
            header(&headers, "access-control-allow-origin"),
            Some("http://localhost:8080")
        );
        assert_eq!(header(&headers, "vary"), Some("Origin"));
    }

    #[test]
    fn an_origin_not_listed_gets_no_headers() {
        let allowed = AllowedOrigins::parse("https://shop.example");
        for origin in [
            &b"https://evil.example"[..],
            b"https://shop.example.evil.example",
            b"http://shop.example",
            b"https://shop.example:8443",
            b"null",
        ] {
            assert_eq!(allowed.answer_headers(origin), None, "{origin:?}");
        }
    }

    #[test]
    fn listed_origins_match_regardless_of_case_and_a_trailing_slash() {
        let allowed = AllowedOrigins::parse("HTTPS://Shop.Example/");
        assert!(allowed.answer_headers(b"https://shop.example").is_some());
    }

    #[test]
    fn a_star_allows_any_origin_without_echoing_it() {
        let allowed = AllowedOrigins::parse("*");
        let headers = allowed.answer_headers(b"https://anyone.example").unwrap();
        assert_eq!(headers, vec![("access-control-allow-origin", "*".into())]);
    }

    #[test]
    fn a_preflight_allows_the_apis_methods_and_the_key_header() {
        let allowed = AllowedOrigins::parse("https://shop.example");
        let headers = allowed.preflight_headers(b"https://shop.example").unwrap();
        assert_eq!(
            header(&headers, "access-control-allow-methods"),
            Some("GET, POST")
        );
        assert_eq!(
            header(&headers, "access-control-allow-headers"),
            Some("authorization, content-type")
        );
        assert_eq!(header(&headers, "access-control-max-age"), Some("600"));
        assert_eq!(header(&headers, "access-control-allow-credentials"), None);
        assert_eq!(allowed.preflight_headers(b"https://evil.example"), None);
    }
}
