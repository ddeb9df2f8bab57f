//! docs/openapi.json (what `GET /openapi.json` serves) states the ranges and
//! values the models and the API accept: checked here against their
//! constants, so the document cannot drift from the code.

use serde_json::Value;

fn document() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn schema<'a>(document: &'a Value, name: &str) -> &'a Value {
    &document["components"]["schemas"][name]
}

#[test]
fn the_car_fields_ranges_are_the_models() {
    let document = document();
    let car = &schema(&document, "Car")["properties"];
    assert_eq!(car["year"]["minimum"], car_value_model::MIN_YEAR);
    assert_eq!(car["year"]["maximum"], car_value_model::MAX_YEAR);
    assert_eq!(car["mileage"]["minimum"].as_f64(), Some(0.0));
    assert_eq!(
        car["mileage"]["maximum"].as_f64(),
        Some(car_value_model::MAX_MILEAGE)
    );
    let value = &schema(&document, "Valuation")["properties"]["value_usd"];
    assert_eq!(
        value["minimum"].as_f64(),
        Some(car_value_model::MIN_VALUE_USD)
    );
}

#[test]
fn every_listing_detail_lists_the_values_the_model_knows() {
    let document = document();
    let car = &schema(&document, "Car")["properties"];
    for field in car_value_model::FIELDS {
        let known: Vec<&str> = car[field]["x-known-values"]
            .as_array()
            .unwrap_or_else(|| panic!("{field} has no known values"))
            .iter()
            .map(|value| value.as_str().unwrap())
            .collect();
        assert_eq!(
            known,
            car_value_model::allowed_values(field).unwrap(),
            "{field}"
        );
    }
}

#[test]
fn the_review_and_body_limits_are_the_apis() {
    let document = document();
    let review = &schema(&document, "Review")["properties"]["review"];
    assert_eq!(review["maxLength"], sentiment_model::MAX_REVIEW_CHARS);
    assert_eq!(document["info"]["x-max-body-bytes"], api::MAX_BODY_BYTES);
    let explanation = &schema(&document, "Analysis")["properties"]["explanation"];
    assert_eq!(
        explanation["maxItems"],
        sentiment_model::MAX_EXPLANATION_TERMS
    );
}

#[test]
fn every_error_code_the_models_answer_is_documented() {
    let document = document();
    let codes = &schema(&document, "Error")["properties"]["error"]["properties"]["code"]["enum"];
    let codes: Vec<&str> = codes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for code in [
        "year_out_of_range",
        "mileage_out_of_range",
        "unknown_value",
        "empty_review",
        "review_too_long",
    ] {
        assert!(codes.contains(&code), "{code}");
    }
}

#[test]
fn the_inference_protocols_tensors_are_the_gateways() {
    use inference_protocol::Model;
    let document = document();
    let metadata = &schema(&document, "TensorMetadata")["properties"]["datatype"]["enum"];
    for model in Model::ALL {
        for tensor in model.inputs().iter().chain(model.outputs()) {
            assert!(
                metadata
                    .as_array()
                    .unwrap()
                    .contains(&Value::from(tensor.datatype)),
                "{}",
                tensor.name
            );
        }
    }
    let names = &document["paths"]["/v2/models/{model_name}/infer"]["post"]["parameters"][0]["schema"]
        ["enum"];
    assert_eq!(names, &Value::from(Model::ALL.map(Model::name).to_vec()));
}
