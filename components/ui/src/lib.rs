//! The ui component: the web page for people. It serves `GET /` (the page)
//! and its stylesheet and script under `/ui/`, all compiled into the
//! component by the build script, with ETags and cache headers. The page
//! calls the gateway's JSON API from the browser, on the same origin.

use spin_sdk::http::{IncomingRequest, Method, Response};
use spin_sdk::http_component;

/// A file compiled into the component.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    cache_control: &'static str,
    /// A quoted strong validator: a hash of `body`.
    etag: &'static str,
    body: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// Only this origin: the page loads nothing from, and sends nothing to, any
/// other host.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

#[http_component]
fn handle(request: IncomingRequest) -> Response {
    let path_with_query = request.path_with_query().unwrap_or_default();
    let path = path_with_query.split('?').next().unwrap_or_default();
    let Some(asset) = ASSETS.iter().find(|asset| asset.path == path) else {
        return text(404, &format!("no page at {path}"));
    };
    if !matches!(request.method(), Method::Get | Method::Head) {
        let mut response = text(405, "use GET");
        response.set_header("allow", "GET, HEAD");
        return response;
    }
    let revalidated = request
        .headers()
        .get("if-none-match")
        .iter()
        .filter_map(|value| std::str::from_utf8(value).ok())
        .flat_map(|value| value.split(','))
        .any(|tag| tag.trim() == "*" || tag.trim() == asset.etag);
    let mut response = Response::builder();
    response
        .status(if revalidated { 304 } else { 200 })
        .header("etag", asset.etag)
        .header("cache-control", asset.cache_control)
        .header("content-security-policy", CONTENT_SECURITY_POLICY)
        .header("x-content-type-options", "nosniff")
        .header("referrer-policy", "no-referrer");
    if !revalidated {
        response
            .header("content-type", asset.content_type)
            .header("content-length", asset.body.len().to_string())
            .body(asset.body.to_vec());
    }
    response.build()
}

fn text(status: u16, message: &str) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain; charset=utf-8")
        .header("x-content-type-options", "nosniff")
        .header("content-length", message.len().to_string())
        .body(message.to_owned())
        .build()
}
