//! `sentiment` as tensors: `review` BYTES in; `label` BYTES, `score` and
//! `confidence` FP64 out.

use crate::{Data, InferRequest, InferResponse, Model, Output, ProtocolError, Tensor};
use api::sentiment::{Analysis, Error};

const fn tensor(name: &'static str, datatype: &'static str) -> Tensor {
    Tensor {
        name,
        datatype,
        required: true,
    }
}

/// The input: one review per row.
pub const INPUTS: &[Tensor] = &[tensor("review", "BYTES")];

/// The outputs: each review's label, score and confidence.
pub const OUTPUTS: &[Tensor] = &[
    tensor("label", "BYTES"),
    tensor("score", "FP64"),
    tensor("confidence", "FP64"),
];

/// The request's rows as reviews, in order.
pub fn reviews(request: &InferRequest) -> Result<Vec<String>, ProtocolError> {
    request.batch(Model::Sentiment)?.required("review")
}

/// The answer to `request`: the model's `answers` for its rows as tensors,
/// or a 400 naming the first row the model refused.
pub fn respond(
    request: &InferRequest,
    model_version: String,
    answers: Vec<Result<Analysis, Error>>,
) -> Result<InferResponse, ProtocolError> {
    let analyses = crate::rows(answers)?;
    let outputs = vec![
        Output::new(
            &OUTPUTS[0],
            Data::Bytes(
                analyses
                    .iter()
                    .map(|a| a.label.as_str().to_owned())
                    .collect(),
            ),
        ),
        Output::new(
            &OUTPUTS[1],
            Data::Fp64(analyses.iter().map(|a| a.score).collect()),
        ),
        Output::new(
            &OUTPUTS[2],
            Data::Fp64(analyses.iter().map(|a| a.confidence).collect()),
        ),
    ];
    request.respond(Model::Sentiment, model_version, outputs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::tests::with_binary;
    use api::sentiment::Label;
    use serde_json::{Value, json};

    fn analysis(label: Label, score: f64) -> Analysis {
        Analysis {
            label,
            score,
            confidence: 0.9,
            explanation: vec![],
            model_version: "v".into(),
        }
    }

    /// The answer to the JSON request `body`, given the model's `answers`.
    fn answer(
        body: Value,
        answers: Vec<Result<Analysis, Error>>,
    ) -> Result<InferResponse, ProtocolError> {
        let body = body.to_string();
        respond(
            &InferRequest::parse(body.as_bytes(), &[])?,
            "v".into(),
            answers,
        )
    }

    fn positive_and_negative() -> Vec<Result<Analysis, Error>> {
        vec![
            Ok(analysis(Label::Positive, 0.8)),
            Ok(analysis(Label::Negative, -0.6)),
        ]
    }

    #[test]
    fn each_row_is_a_review() {
        let body = json!({"inputs": [
            {"name": "review", "shape": [2], "datatype": "BYTES", "data": ["Great car!", "Meh."]},
        ]})
        .to_string();
        let reviews = reviews(&InferRequest::parse(body.as_bytes(), &[]).unwrap());
        assert_eq!(reviews.unwrap(), ["Great car!", "Meh."]);
    }

    #[test]
    fn binary_reviews_are_each_a_review_as_json_ones_are() {
        let (body, header) = with_binary(
            json!({"inputs": [{"name": "review", "shape": [2], "datatype": "BYTES",
                "parameters": {"binary_data_size": 22}}]}),
            b"\x0a\0\0\0Great car!\x04\0\0\0Meh.",
        );
        let reviews = reviews(&InferRequest::parse(&body, &header).unwrap());
        assert_eq!(reviews.unwrap(), ["Great car!", "Meh."]);
    }

    #[test]
    fn a_binary_review_that_is_not_utf8_names_its_row() {
        let (body, header) = with_binary(
            json!({"inputs": [{"name": "review", "shape": [2], "datatype": "BYTES",
                "parameters": {"binary_data_size": 12}}]}),
            b"\x02\0\0\0ok\x02\0\0\0\xff\xfe",
        );
        let error = reviews(&InferRequest::parse(&body, &header).unwrap()).unwrap_err();
        assert_eq!(
            (error.status, error.message.as_str()),
            (
                400,
                "row 1: input `review` must be a string: invalid utf-8 sequence of 1 bytes from index 0"
            )
        );
    }

    #[test]
    fn the_answers_are_columns_in_row_order() {
        let response = answer(json!({"id": "7", "inputs": []}), positive_and_negative()).unwrap();
        assert_eq!(
            serde_json::to_value(&response).unwrap(),
            json!({"model_name": "sentiment", "model_version": "v", "id": "7", "outputs": [
                {"name": "label", "datatype": "BYTES", "shape": [2], "data": ["positive", "negative"]},
                {"name": "score", "datatype": "FP64", "shape": [2], "data": [0.8, -0.6]},
                {"name": "confidence", "datatype": "FP64", "shape": [2], "data": [0.9, 0.9]},
            ]})
        );
    }

    #[test]
    fn without_binary_outputs_the_body_is_the_json_alone() {
        let response = answer(json!({"inputs": []}), positive_and_negative()).unwrap();
        let body = response.body();
        assert_eq!(
            std::str::from_utf8(&body.bytes).unwrap(),
            r#"{"model_name":"sentiment","model_version":"v","outputs":[{"name":"label","datatype":"BYTES","shape":[2],"data":["positive","negative"]},{"name":"score","datatype":"FP64","shape":[2],"data":[0.8,-0.6]},{"name":"confidence","datatype":"FP64","shape":[2],"data":[0.9,0.9]}]}"#
        );
        assert_eq!(body.json_length, None);
        assert_eq!(body.content_type(), "application/json");
    }

    #[test]
    fn outputs_asked_for_as_binary_follow_the_json_in_output_order() {
        let asked = json!({"inputs": [], "parameters": {"binary_data_output": true}});
        let body = answer(asked, positive_and_negative()).unwrap().body();
        let json_length = body.json_length.unwrap();
        let (json, binary) = body.bytes.split_at(json_length);
        assert_eq!(
            serde_json::from_slice::<Value>(json).unwrap()["outputs"],
            json!([
                {"name": "label", "datatype": "BYTES", "shape": [2], "parameters": {"binary_data_size": 24}},
                {"name": "score", "datatype": "FP64", "shape": [2], "parameters": {"binary_data_size": 16}},
                {"name": "confidence", "datatype": "FP64", "shape": [2], "parameters": {"binary_data_size": 16}},
            ])
        );
        let expected = [
            &b"\x08\0\0\0positive\x08\0\0\0negative"[..],
            &0.8f64.to_le_bytes(),
            &(-0.6f64).to_le_bytes(),
            &0.9f64.to_le_bytes(),
            &0.9f64.to_le_bytes(),
        ]
        .concat();
        assert_eq!(binary, expected);
        assert_eq!(body.content_type(), "application/octet-stream");
    }

    #[test]
    fn an_outputs_own_binary_data_overrides_the_requests() {
        let asked = json!({"inputs": [], "parameters": {"binary_data_output": true}, "outputs": [
            {"name": "label", "parameters": {"binary_data": false}},
            {"name": "score"},
        ]});
        let response = answer(asked, positive_and_negative()).unwrap();
        let parameters: Vec<Value> = response
            .outputs
            .iter()
            .map(|output| serde_json::to_value(output).unwrap()["parameters"].clone())
            .collect();
        assert_eq!(parameters, [Value::Null, json!({"binary_data_size": 16})]);
        let asked = json!({"inputs": [], "outputs": [{"name": "score", "parameters": {"binary_data": true}}]});
        let body = answer(asked, positive_and_negative()).unwrap().body();
        assert_eq!(body.bytes.len() - body.json_length.unwrap(), 16);
    }

    #[test]
    fn only_the_requested_outputs_are_answered_and_unknown_ones_refused() {
        let answers = || vec![Ok(analysis(Label::Neutral, 0.0))];
        let asked = json!({"inputs": [], "outputs": [{"name": "score"}]});
        let response = answer(asked, answers()).unwrap();
        assert_eq!(response.outputs.len(), 1);
        assert_eq!(response.outputs[0].name, "score");
        let unknown = json!({"inputs": [], "outputs": [{"name": "mood"}]});
        assert_eq!(answer(unknown, answers()).unwrap_err().status, 400);
    }

    #[test]
    fn a_body_that_is_not_an_inference_request_is_a_400() {
        let error = InferRequest::parse(b"{\"inputs\": 5}", &[]).unwrap_err();
        assert_eq!(error.status, 400);
        assert!(
            error.message.starts_with("invalid inference request: "),
            "{}",
            error.message
        );
        assert_eq!(
            error.body(),
            format!("{{\"error\":{:?}}}", error.message).into_bytes()
        );
    }
}
