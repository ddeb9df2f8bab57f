//! `spin kdeploy status`: what runs, from kubectl's JSON lists of SpinApps,
//! Deployments and HorizontalPodAutoscalers.

use serde_json::Value;

/// One line per SpinApp: its image (with the digest), its Deployment's ready
/// and desired replicas, and its autoscaler's bounds, replicas and CPU.
pub fn table(spinapps: &Value, deployments: &Value, hpas: &Value) -> String {
    let named = |list: &Value, name: &str| -> Value {
        items(list)
            .find(|item| item["metadata"]["name"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let mut rows = vec![[
        "SERVICE".to_owned(),
        "READY".to_owned(),
        "AUTOSCALER".to_owned(),
        "IMAGE".to_owned(),
    ]];
    for app in items(spinapps) {
        let name = app["metadata"]["name"].as_str().unwrap_or("?");
        let deployment = named(deployments, name);
        let ready = match deployment {
            Value::Null => "no deployment".to_owned(),
            _ => format!(
                "{}/{}",
                deployment["status"]["readyReplicas"].as_u64().unwrap_or(0),
                deployment["spec"]["replicas"].as_u64().unwrap_or(0)
            ),
        };
        let hpa = items(hpas)
            .find(|hpa| hpa["spec"]["scaleTargetRef"]["name"] == name)
            .map(autoscaler)
            .unwrap_or_else(|| "none".to_owned());
        let image = app["spec"]["image"].as_str().unwrap_or("?").to_owned();
        rows.push([name.to_owned(), ready, hpa, image]);
    }
    let widths: Vec<usize> = (0..3)
        .map(|column| rows.iter().map(|row| row[column].len()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|row| {
            format!(
                "{:w0$}  {:w1$}  {:w2$}  {}\n",
                row[0],
                row[1],
                row[2],
                row[3],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2]
            )
        })
        .collect()
}

/// `min-max, N now, CPU cur%/target%` for an `autoscaling/v2` HPA.
fn autoscaler(hpa: &Value) -> String {
    let spec = &hpa["spec"];
    let target = spec["metrics"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|metric| metric["resource"]["name"] == "cpu")
        .and_then(|metric| metric["resource"]["target"]["averageUtilization"].as_u64());
    let current = hpa["status"]["currentMetrics"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|metric| metric["resource"]["name"] == "cpu")
        .and_then(|metric| metric["resource"]["current"]["averageUtilization"].as_u64());
    let percent = |value: Option<u64>| value.map_or("?".to_owned(), |v| format!("{v}%"));
    format!(
        "{}-{}, {} now, CPU {}/{}",
        spec["minReplicas"].as_u64().unwrap_or(1),
        spec["maxReplicas"].as_u64().unwrap_or(0),
        hpa["status"]["currentReplicas"].as_u64().unwrap_or(0),
        percent(current),
        percent(target)
    )
}

fn items(list: &Value) -> impl Iterator<Item = &Value> {
    list["items"].as_array().into_iter().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_table_shows_image_replicas_and_autoscaler_per_service() {
        let spinapps = json!({"items": [
            {"metadata": {"name": "gateway"}, "spec": {"image": "r/car-ml@sha256:ab"}},
            {"metadata": {"name": "sentiment"}, "spec": {"image": "r/car-ml@sha256:ab"}},
        ]});
        let deployments = json!({"items": [
            {"metadata": {"name": "gateway"}, "spec": {"replicas": 3}, "status": {"readyReplicas": 2}},
        ]});
        let hpas = json!({"items": [{
            "metadata": {"name": "gateway"},
            "spec": {"scaleTargetRef": {"name": "gateway"}, "minReplicas": 1, "maxReplicas": 3,
                     "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                                  "target": {"type": "Utilization", "averageUtilization": 60}}}]},
            "status": {"currentReplicas": 3, "currentMetrics": [{"type": "Resource", "resource": {
                "name": "cpu", "current": {"averageUtilization": 75}}}]}
        }]});
        assert_eq!(
            table(&spinapps, &deployments, &hpas),
            "SERVICE    READY          AUTOSCALER               IMAGE\n\
             gateway    2/3            1-3, 3 now, CPU 75%/60%  r/car-ml@sha256:ab\n\
             sentiment  no deployment  none                     r/car-ml@sha256:ab\n"
        );
    }
}
