//! Calls from web pages of other origins (CORS), over real HTTP on the built
//! app (`make build`): off by default, on for the origins the Spin variable
//! `cors_origins` lists (set through `SPIN_VARIABLE_CORS_ORIGINS`, as `spin
//! up` reads it).

use serde_json::json;
use std::sync::OnceLock;
use wasm_harness::Settings;

mod common;

const SHOP: &str = "https://shop.example";
const EVIL: &str = "https://evil.example";

/// The app with `cors_origins` set to `origins`; its URL.
fn serve(origins: &str) -> String {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spin.toml");
    // The variable as the test sets it, whatever the environment says.
    let mut environment: Vec<(String, String)> = std::env::vars()
        .filter(|(name, _)| !name.starts_with("SPIN_VARIABLE_"))
        .collect();
    environment.push(("SPIN_VARIABLE_CORS_ORIGINS".into(), origins.into()));
    let settings = Settings {
        environment,
        ..Settings::default()
    };
    common::serve(manifest.into(), settings)
}

/// The app allowing [`SHOP`] and a local development page.
fn allowing_shop() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| serve(&format!("{SHOP}, http://localhost:8080")))
}

/// The app as it is run by default: the variable empty.
fn by_default() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| serve(""))
}

type Headers = ureq::http::HeaderMap;

/// Sends `method path` from a page of `origin`, with `headers`; the status
/// and headers of the answer.
fn send(
    url: &str,
    method: &str,
    path: &str,
    origin: &str,
    headers: &[(&str, &str)],
) -> (u16, Headers) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .allow_non_standard_methods(true)
        .build()
        .into();
    let mut request = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{url}{path}"))
        .header("origin", origin);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = if method == "POST" {
        json!({"year": 2018, "mileage": 45000}).to_string()
    } else {
        String::new()
    };
    let response = agent
        .run(request.body(body).unwrap())
        .expect("the app answers");
    (response.status().as_u16(), response.headers().clone())
}

fn header<'a>(headers: &'a Headers, name: &str) -> Option<&'a str> {
    headers.get(name).map(|value| value.to_str().unwrap())
}

/// What a browser sends before a cross-origin JSON `POST`.
fn preflight(url: &str, origin: &str) -> (u16, Headers) {
    send(
        url,
        "OPTIONS",
        "/api/car-value",
        origin,
        &[
            ("access-control-request-method", "POST"),
            (
                "access-control-request-headers",
                "authorization, content-type",
            ),
        ],
    )
}

#[test]
fn by_default_no_origin_is_allowed() {
    let (status, headers) = send(by_default(), "POST", "/api/car-value", SHOP, &[]);
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "access-control-allow-origin"), None);
    let (status, headers) = preflight(by_default(), SHOP);
    assert_eq!(status, 405, "{headers:?}");
    assert_eq!(header(&headers, "access-control-allow-origin"), None);
}

#[test]
fn a_listed_origin_may_read_the_answers() {
    for path in ["/api/car-value", "/health"] {
        let method = if path == "/health" { "GET" } else { "POST" };
        let (status, headers) = send(allowing_shop(), method, path, SHOP, &[]);
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "access-control-allow-origin"), Some(SHOP));
        assert_eq!(header(&headers, "vary"), Some("Origin"));
    }
}

#[test]
fn a_listed_origins_preflight_is_a_204_allowing_the_key_and_json() {
    let (status, headers) = preflight(allowing_shop(), "http://localhost:8080");
    assert_eq!(status, 204);
    assert_eq!(
        header(&headers, "access-control-allow-origin"),
        Some("http://localhost:8080")
    );
    assert_eq!(
        header(&headers, "access-control-allow-methods"),
        Some("GET, POST")
    );
    assert_eq!(
        header(&headers, "access-control-allow-headers"),
        Some("authorization, content-type")
    );
    assert_eq!(header(&headers, "access-control-max-age"), Some("600"));
}

#[test]
fn an_origin_not_listed_gets_no_cors_headers() {
    let (status, headers) = send(allowing_shop(), "POST", "/api/car-value", EVIL, &[]);
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "access-control-allow-origin"), None);
    let (status, headers) = preflight(allowing_shop(), EVIL);
    assert_eq!(status, 405);
    assert_eq!(header(&headers, "access-control-allow-origin"), None);
}

#[test]
fn errors_are_readable_by_a_listed_origin_too() {
    let (status, headers) = send(allowing_shop(), "GET", "/api/car-value", SHOP, &[]);
    assert_eq!(status, 405);
    assert_eq!(header(&headers, "access-control-allow-origin"), Some(SHOP));
}
