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
    request
        .batch(Model::Sentiment)?
        .required("review", "a string", |value| {
            value.as_str().map(str::to_owned)
        })
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
    use api::sentiment::Label;
    use serde_json::json;

    fn request(body: serde_json::Value) -> InferRequest {
        InferRequest::parse(body.to_string().as_bytes()).unwrap()
    }

    fn analysis(label: Label, score: f64) -> Analysis {
        Analysis {
            label,
            score,
            confidence: 0.9,
            explanation: vec![],
            model_version: "v".into(),
        }
    }

    #[test]
    fn each_row_is_a_review() {
        let reviews = reviews(&request(json!({"inputs": [
            {"name": "review", "shape": [2], "datatype": "BYTES", "data": ["Great car!", "Meh."]},
        ]})));
        assert_eq!(reviews.unwrap(), ["Great car!", "Meh."]);
    }

    #[test]
    fn the_answers_are_columns_in_row_order() {
        let request = request(json!({"id": "7", "inputs": []}));
        let answers = vec![
            Ok(analysis(Label::Positive, 0.8)),
            Ok(analysis(Label::Negative, -0.6)),
        ];
        let response = respond(&request, "v".into(), answers).unwrap();
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
    fn only_the_requested_outputs_are_answered_and_unknown_ones_refused() {
        let answers = || vec![Ok(analysis(Label::Neutral, 0.0))];
        let asked = request(json!({"inputs": [], "outputs": [{"name": "score"}]}));
        let response = respond(&asked, "v".into(), answers()).unwrap();
        assert_eq!(response.outputs.len(), 1);
        assert_eq!(response.outputs[0].name, "score");
        let unknown = request(json!({"inputs": [], "outputs": [{"name": "mood"}]}));
        assert_eq!(
            respond(&unknown, "v".into(), answers()).unwrap_err().status,
            400
        );
    }

    #[test]
    fn a_body_that_is_not_an_inference_request_is_a_400() {
        let error = InferRequest::parse(b"{\"inputs\": 5}").unwrap_err();
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
