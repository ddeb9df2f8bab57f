//! The smoke test after a rollout: `/health` and one request to every route,
//! each sent to the Service that serves it, through `kubectl port-forward`.

use crate::kubectl::Kubectl;
use anyhow::Result;
use serde_json::Value;

/// One request and what its answer must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// The SpinApp (and so Service) that serves the route.
    pub service: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub body: Option<&'static str>,
    /// A field the JSON answer must have, or for the web page, a text its
    /// HTML must hold.
    pub field: &'static str,
}

/// The SpinApp that runs `component`: its own, but the web page runs in the
/// gateway's (`components: [gateway, ui]` in k8s/base/gateway.yaml), and a
/// model service's HTTP component in that service's (`car-value-api` in
/// `car-value`).
pub fn service_of(component: &str) -> &str {
    match component {
        "ui" => "gateway",
        component => component.strip_suffix("-api").unwrap_or(component),
    }
}

/// The page's answer is HTML, not JSON.
const PAGE: &str = "/";

const CAR: &str = r#"{"year": 2018, "mileage": 45000}"#;
const REVIEW: &str = r#"{"review": "Great car!"}"#;

/// Every route of spin.toml, with the answer its API reference promises.
pub const CHECKS: &[Check] = &[
    Check {
        service: "gateway",
        method: "GET",
        path: "/health",
        body: None,
        field: "status",
    },
    Check {
        service: "gateway",
        method: "GET",
        path: PAGE,
        body: None,
        // The page links its stylesheet and script under /ui/.
        field: "/ui/app.",
    },
    Check {
        service: "gateway",
        method: "GET",
        path: "/api/models",
        body: None,
        field: "models",
    },
    Check {
        service: "gateway",
        method: "POST",
        path: "/api/car-analysis",
        body: Some(r#"{"year": 2018, "mileage": 45000, "review": "Great car!"}"#),
        field: "sentiment",
    },
    Check {
        service: "gateway",
        method: "POST",
        path: "/api/car-value",
        body: Some(CAR),
        field: "value_usd",
    },
    Check {
        service: "gateway",
        method: "POST",
        path: "/api/review-sentiment",
        body: Some(REVIEW),
        field: "label",
    },
    Check {
        service: "car-value",
        method: "GET",
        path: "/health/car-value",
        body: None,
        field: "status",
    },
    Check {
        service: "car-value",
        method: "POST",
        path: "/api/trade",
        body: Some(CAR),
        field: "value_usd",
    },
    Check {
        service: "sentiment",
        method: "GET",
        path: "/health/sentiment",
        body: None,
        field: "status",
    },
    Check {
        service: "sentiment",
        method: "POST",
        path: "/api/review",
        body: Some(REVIEW),
        field: "label",
    },
];

/// Whether an answer passes `check`: a 200 with a JSON object holding `field`.
pub fn judge(check: &Check, status: u16, body: &str) -> Result<(), String> {
    let what = format!("{} {} on svc/{}", check.method, check.path, check.service);
    if status != 200 {
        return Err(format!("{what} answered {status}: {}", body.trim()));
    }
    if check.path == PAGE {
        return match body.contains(check.field) {
            true => Ok(()),
            false => Err(format!("{what} answered a page without `{}`", check.field)),
        };
    }
    match serde_json::from_str::<Value>(body) {
        Ok(json) if json.get(check.field).is_some() => Ok(()),
        _ => Err(format!(
            "{what} answered without `{}`: {}",
            check.field,
            body.trim()
        )),
    }
}

/// The Secret the gateway's SpinApp reads the Spin variable `api_keys` from
/// (k8s/base/gateway.yaml).
const API_KEYS_SECRET: &str = "car-ml-api-keys";

/// The first API key of the Secret, when it exists and lists one, so the
/// smoke test calls the API as a client does. It is never printed.
fn api_key(kubectl: &Kubectl, namespace: &str) -> Result<Option<String>, String> {
    let keys = kubectl
        .output([
            "get",
            "secret",
            API_KEYS_SECRET,
            "-n",
            namespace,
            "--ignore-not-found",
            "-o",
            r#"go-template={{with .data}}{{with index . "api_keys"}}{{base64decode .}}{{end}}{{end}}"#,
        ])
        .map_err(|error| format!("could not read the API keys' Secret: {error:#}"))?;
    Ok(api_keys::ApiKeys::parse(&keys).first().map(str::to_owned))
}

/// Runs every check through a port-forward per Service; the first failure is
/// the error, in words a user can act on.
pub fn run(kubectl: &Kubectl, namespace: &str) -> Result<(), String> {
    let key = api_key(kubectl, namespace)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(30)))
        .build()
        .into();
    let mut services: Vec<&str> = CHECKS.iter().map(|check| check.service).collect();
    services.dedup();
    for service in services {
        let forward = kubectl
            .port_forward(namespace, service)
            .map_err(|error| format!("{error:#}"))?;
        for check in CHECKS.iter().filter(|check| check.service == service) {
            let url = format!("http://127.0.0.1:{}{}", forward.port, check.path);
            let mut request = ureq::http::Request::builder()
                .method(check.method)
                .uri(&url)
                .header("content-type", "application/json");
            if let Some(key) = &key {
                request = request.header("authorization", format!("Bearer {key}"));
            }
            let request = request
                .body(check.body.unwrap_or_default().as_bytes().to_vec())
                .expect("a smoke request is valid");
            let mut response = agent.run(request).map_err(|error| {
                format!("{} {} on svc/{service}: {error}", check.method, check.path)
            })?;
            let status = response.status().as_u16();
            let body = response.body_mut().read_to_string().unwrap_or_default();
            judge(check, status, &body)?;
            println!("  ok  {} {} (svc/{service})", check.method, check.path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_harness::manifest::Manifest;
    use wasm_harness::router::Router;

    fn manifest() -> Manifest {
        Manifest::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../../spin.toml").as_ref()).unwrap()
    }

    #[test]
    fn every_route_of_spin_toml_is_checked() {
        let manifest = manifest();
        for trigger in &manifest.trigger.http {
            let route = trigger.route.trim_end_matches("/...");
            assert!(
                CHECKS.iter().any(|check| (check.path.starts_with(route)
                    || check.path == PAGE && trigger.component == "ui")
                    && check.service == service_of(&trigger.component)),
                "no smoke check for route {} of {}",
                trigger.route,
                trigger.component
            );
        }
    }

    #[test]
    fn every_check_goes_to_the_service_whose_component_serves_its_path() {
        let manifest = manifest();
        let router = Router::new(manifest.trigger.http.iter().map(|t| t.route.as_str()));
        for check in CHECKS {
            let index = router.route(check.path).expect("the path is routed");
            assert_eq!(
                service_of(&manifest.trigger.http[index].component),
                check.service,
                "{check:?}"
            );
        }
    }

    #[test]
    fn an_answer_passes_only_as_a_200_with_the_field() {
        let health = &CHECKS[0];
        assert_eq!(
            judge(health, 200, r#"{"status":"ok","service":"gateway"}"#),
            Ok(())
        );
        let error = judge(health, 503, "no healthy upstream").unwrap_err();
        assert_eq!(
            error,
            "GET /health on svc/gateway answered 503: no healthy upstream"
        );
        assert!(
            judge(health, 200, r#"{"error":{}}"#)
                .unwrap_err()
                .contains("without `status`")
        );
        assert!(judge(health, 200, "<html>").is_err());
    }
}
