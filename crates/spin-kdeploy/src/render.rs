//! What gets applied: the chosen overlay of `k8s/`, rendered by kustomize with
//! every SpinApp pinned to the pushed digest; and the decisions read back from
//! the cluster (the image running before, where to roll back to).

use serde_json::Value;
use std::path::Path;

/// Annotation on each SpinApp: the image it ran before this deployment, what
/// a rollback returns to.
pub const PREVIOUS_IMAGE_ANNOTATION: &str = "deploy.car-ml/previous-image";

/// A kustomization that renders `overlay` (a path relative to the
/// kustomization: kustomize refuses absolute ones) with every SpinApp's image
/// set to `image`, annotated with `previous` when there was one.
///
/// It wraps the overlay rather than editing it, so the overlay stays the
/// reviewed source of truth and `kubectl apply -k` keeps working beside it.
/// It repeats `sortOptions: fifo`: kustomize honours that only at the top
/// (the namespace and executor must be applied before the SpinApps).
pub fn wrapper_kustomization(overlay: &Path, image: &str, previous: Option<&str>) -> String {
    // JSON strings are YAML strings: quoting every value this way is safe.
    let quoted = |text: &str| Value::from(text).to_string();
    let mut patch = String::from(
        "apiVersion: core.spinkube.dev/v1alpha1\nkind: SpinApp\nmetadata:\n  name: any\n",
    );
    if let Some(previous) = previous {
        patch += &format!(
            "  annotations:\n    {PREVIOUS_IMAGE_ANNOTATION}: {}\n",
            quoted(previous)
        );
    }
    patch += &format!("spec:\n  image: {}\n", quoted(image));
    let indented: String = patch
        .lines()
        .map(|line| format!("      {line}\n"))
        .collect();
    format!(
        "# Written by `spin kdeploy`: {overlay} with the pushed image.\n\
         apiVersion: kustomize.config.k8s.io/v1beta1\n\
         kind: Kustomization\n\
         resources:\n  - {resource}\n\
         sortOptions:\n  order: fifo\n\
         patches:\n  - target:\n      kind: SpinApp\n    patch: |-\n{indented}",
        overlay = overlay.display(),
        resource = quoted(&overlay.to_string_lossy()),
    )
}

/// The image the app runs now: the gateway SpinApp's, from a
/// `kubectl get spinapps -o json` list; `None` before the first deployment.
pub fn running_image(spinapps: &Value) -> Option<String> {
    items(spinapps)
        .find(|app| app["metadata"]["name"] == "gateway")
        .and_then(|app| app["spec"]["image"].as_str())
        .map(str::to_owned)
}

/// The names of the SpinApps in a `kubectl get spinapps -o json` list: the
/// operator makes a Deployment and a Service of each name.
pub fn spinapp_names(spinapps: &Value) -> Vec<String> {
    items(spinapps)
        .filter_map(|app| app["metadata"]["name"].as_str())
        .map(str::to_owned)
        .collect()
}

/// Where to go back to when `deployed` fails: the image that ran before, if
/// there was one and it is a different one.
pub fn rollback_target<'a>(previous: Option<&'a str>, deployed: &str) -> Option<&'a str> {
    previous.filter(|previous| *previous != deployed)
}

/// The app's public URLs from its Ingress (`kubectl get ingress -o json`):
/// one per load-balancer address the cluster reports.
pub fn ingress_urls(ingresses: &Value) -> Vec<String> {
    items(ingresses)
        .flat_map(|ingress| {
            ingress["status"]["loadBalancer"]["ingress"]
                .as_array()
                .into_iter()
                .flatten()
        })
        .filter_map(|address| address["hostname"].as_str().or(address["ip"].as_str()))
        .map(|host| format!("http://{host}/"))
        .collect()
}

fn items(list: &Value) -> impl Iterator<Item = &Value> {
    list["items"].as_array().into_iter().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const IMAGE: &str = "127.0.0.1:5000/car-ml@sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const BEFORE: &str = "127.0.0.1:5000/car-ml@sha256:2222222222222222222222222222222222222222222222222222222222222222";

    #[test]
    fn the_wrapper_pins_every_spinapp_to_the_image_and_records_the_previous_one() {
        let text =
            wrapper_kustomization(Path::new("../../k8s/overlays/laptop"), IMAGE, Some(BEFORE));
        assert!(
            text.contains("resources:\n  - \"../../k8s/overlays/laptop\"\n"),
            "{text}"
        );
        assert!(text.contains("sortOptions:\n  order: fifo\n"), "{text}");
        assert!(
            text.contains("  - target:\n      kind: SpinApp\n"),
            "{text}"
        );
        assert!(
            text.contains(&format!("        image: \"{IMAGE}\"\n")),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "          {PREVIOUS_IMAGE_ANNOTATION}: \"{BEFORE}\"\n"
            )),
            "{text}"
        );
    }

    #[test]
    fn the_first_deployment_records_no_previous_image() {
        let text = wrapper_kustomization(Path::new("k8s/overlays/eks"), IMAGE, None);
        assert!(!text.contains("annotations"), "{text}");
    }

    #[test]
    fn the_running_image_is_the_gateways() {
        let list = json!({"items": [
            {"metadata": {"name": "car-value"}, "spec": {"image": BEFORE}},
            {"metadata": {"name": "gateway"}, "spec": {"image": IMAGE}},
        ]});
        assert_eq!(running_image(&list).as_deref(), Some(IMAGE));
        assert_eq!(spinapp_names(&list), ["car-value", "gateway"]);
        assert_eq!(running_image(&json!({"items": []})), None);
    }

    #[test]
    fn a_failed_deployment_rolls_back_only_to_a_different_earlier_image() {
        assert_eq!(rollback_target(Some(BEFORE), IMAGE), Some(BEFORE));
        assert_eq!(rollback_target(Some(IMAGE), IMAGE), None);
        assert_eq!(rollback_target(None, IMAGE), None);
    }

    #[test]
    fn urls_come_from_the_ingress_load_balancer() {
        let list = json!({"items": [{"status": {"loadBalancer": {"ingress": [
            {"hostname": "k8s-carml-123.us-east-1.elb.amazonaws.com"}, {"ip": "172.18.0.3"}
        ]}}}]});
        assert_eq!(
            ingress_urls(&list),
            [
                "http://k8s-carml-123.us-east-1.elb.amazonaws.com/",
                "http://172.18.0.3/"
            ]
        );
        assert!(ingress_urls(&json!({"items": [{"status": {}}]})).is_empty());
    }
}
