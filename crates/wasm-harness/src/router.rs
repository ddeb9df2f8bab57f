//! Spin's HTTP routing: exact routes, and `/prefix/...` wildcards that match
//! the prefix and everything below it; the most specific route wins.

/// Routes paths to the index of the trigger that serves them.
#[derive(Debug, Clone)]
pub struct Router {
    routes: Vec<Route>,
}

#[derive(Debug, Clone)]
enum Route {
    Exact(String),
    Prefix(String),
}

impl Route {
    fn parse(route: &str) -> Self {
        match route.strip_suffix("/...") {
            Some(prefix) => Route::Prefix(prefix.trim_end_matches('/').to_owned()),
            None if route == "..." => Route::Prefix(String::new()),
            None => Route::Exact(normalize(route).to_owned()),
        }
    }

    /// How well `path` matches: `None` for no match, higher is more specific.
    fn specificity(&self, path: &str) -> Option<usize> {
        match self {
            Route::Exact(route) => (route == normalize(path)).then_some(usize::MAX),
            Route::Prefix(prefix) => {
                let rest = path.strip_prefix(prefix.as_str())?;
                (rest.is_empty() || rest.starts_with('/')).then_some(prefix.len())
            }
        }
    }
}

/// A trailing slash does not make a different route.
fn normalize(path: &str) -> &str {
    match path.trim_end_matches('/') {
        "" => "/",
        trimmed => trimmed,
    }
}

impl Router {
    /// A router over `routes`, in trigger order.
    pub fn new<'a>(routes: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            routes: routes.into_iter().map(Route::parse).collect(),
        }
    }

    /// The index of the route serving `path`, if any.
    pub fn route(&self, path: &str) -> Option<usize> {
        self.routes
            .iter()
            .enumerate()
            .filter_map(|(index, route)| Some((route.specificity(path)?, index)))
            .max_by_key(|&(specificity, index)| (specificity, std::cmp::Reverse(index)))
            .map(|(_, index)| index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router {
        Router::new(["/...", "/api/trade", "/api/review", "/static/..."])
    }

    #[test]
    fn an_exact_route_beats_the_catch_all() {
        assert_eq!(router().route("/api/trade"), Some(1));
        assert_eq!(router().route("/api/review/"), Some(2));
    }

    #[test]
    fn an_exact_route_does_not_match_below_itself() {
        assert_eq!(router().route("/api/trade/x"), Some(0));
    }

    #[test]
    fn the_longest_wildcard_prefix_wins() {
        assert_eq!(router().route("/static"), Some(3));
        assert_eq!(router().route("/static/a/b"), Some(3));
        assert_eq!(router().route("/staticx"), Some(0));
    }

    #[test]
    fn unmatched_paths_have_no_route() {
        assert_eq!(Router::new(["/api/trade"]).route("/health"), None);
    }
}
