//! The protocol's routes, all under `/v2`.

use crate::{Model, ProtocolError};

/// A protocol route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `GET /v2`: server metadata.
    Server,
    /// `GET /v2/health/live`.
    Live,
    /// `GET /v2/health/ready`.
    Ready,
    /// `GET /v2/models/{name}[/versions/{v}]`: model metadata.
    Model(Target),
    /// `GET /v2/models/{name}[/versions/{v}]/ready`.
    ModelReady(Target),
    /// `POST /v2/models/{name}[/versions/{v}]/infer`.
    Infer(Target),
}

/// The model a route names, and the version when it names one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub model: Model,
    pub version: Option<String>,
}

impl Target {
    /// Checks that the route's version, if it names one, is `served`, the
    /// version of the model that answers.
    pub fn check_version(&self, served: &str) -> Result<(), ProtocolError> {
        match &self.version {
            Some(version) if version != served => Err(ProtocolError::not_found(format!(
                "{} has no version `{version}`; it serves `{served}`",
                self.model.name()
            ))),
            _ => Ok(()),
        }
    }
}

/// The protocol route of `path`; `None` when `path` is not under `/v2`, a
/// 404 when it is but names no route or an unknown model.
pub fn route(path: &str) -> Option<Result<Route, ProtocolError>> {
    let rest = path.strip_prefix("/v2")?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let segments: Vec<&str> = rest.split('/').skip(1).collect();
    let no_route = || ProtocolError::not_found(format!("no route for {path}"));
    Some(match segments[..] {
        [] => Ok(Route::Server),
        ["health", "live"] => Ok(Route::Live),
        ["health", "ready"] => Ok(Route::Ready),
        ["models", name, ref rest @ ..] => {
            let (version, action) = match rest {
                ["versions", version, action @ ..] => (Some(version.to_string()), action),
                action => (None, action),
            };
            let target = |route: fn(Target) -> Route| {
                let model = Model::named(name).ok_or_else(|| {
                    ProtocolError::not_found(format!(
                        "no model `{name}`; models: {}",
                        Model::ALL.map(Model::name).join(", ")
                    ))
                })?;
                Ok(route(Target { model, version }))
            };
            match action {
                [] => target(Route::Model),
                ["ready"] => target(Route::ModelReady),
                ["infer"] => target(Route::Infer),
                _ => Err(no_route()),
            }
        }
        _ => Err(no_route()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(model: Model, version: Option<&str>) -> Target {
        Target {
            model,
            version: version.map(str::to_owned),
        }
    }

    #[test]
    fn every_route_is_recognised() {
        let cases = [
            ("/v2", Route::Server),
            ("/v2/health/live", Route::Live),
            ("/v2/health/ready", Route::Ready),
            (
                "/v2/models/car-value",
                Route::Model(target(Model::CarValue, None)),
            ),
            (
                "/v2/models/sentiment/ready",
                Route::ModelReady(target(Model::Sentiment, None)),
            ),
            (
                "/v2/models/car-value/versions/v1/infer",
                Route::Infer(target(Model::CarValue, Some("v1"))),
            ),
        ];
        for (path, expected) in cases {
            assert_eq!(route(path), Some(Ok(expected)), "{path}");
        }
    }

    #[test]
    fn paths_outside_v2_are_not_protocol_routes() {
        for path in ["/", "/api/car-value", "/v20", "/v2x/health/live"] {
            assert_eq!(route(path), None, "{path}");
        }
    }

    #[test]
    fn an_unknown_model_is_a_404_listing_the_models() {
        let error = route("/v2/models/gpt/infer").unwrap().unwrap_err();
        assert_eq!(error.status, 404);
        assert_eq!(
            error.message,
            "no model `gpt`; models: car-value, sentiment"
        );
    }

    #[test]
    fn an_unknown_path_under_v2_is_a_404() {
        for path in [
            "/v2/",
            "/v2/health",
            "/v2/models",
            "/v2/models/car-value/explain",
        ] {
            assert_eq!(route(path).unwrap().unwrap_err().status, 404, "{path}");
        }
    }

    #[test]
    fn a_version_other_than_the_served_one_is_a_404() {
        let target = target(Model::CarValue, Some("old"));
        assert_eq!(target.check_version("new").unwrap_err().status, 404);
        assert!(target.check_version("old").is_ok());
    }
}
