//! An inference request's input tensors, checked against a model's, as
//! columns of a batch.

use crate::{InferResponse, Model, Output, ProtocolError};
use serde::Deserialize;
use serde_json::Value;

/// The body of `POST /v2/models/{name}/infer`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct InferRequest {
    #[serde(default)]
    pub id: Option<String>,
    pub inputs: Vec<Input>,
    /// The outputs to answer; all of them when absent.
    #[serde(default)]
    pub outputs: Option<Vec<RequestedOutput>>,
}

/// An input tensor.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Input {
    pub name: String,
    pub shape: Vec<i64>,
    pub datatype: String,
    /// The elements, in row order.
    pub data: Vec<Value>,
}

/// An output the client asks for, by name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RequestedOutput {
    pub name: String,
}

impl InferRequest {
    /// Parses a request body: JSON (the binary tensor extension is not
    /// supported) of the protocol's shape.
    pub fn parse(body: &[u8]) -> Result<InferRequest, ProtocolError> {
        api::parse_json(body).map_err(|error| {
            ProtocolError::bad_request(format!("invalid inference request: {}", error.message()))
        })
    }

    /// The inputs as a batch for `model`: every input one the model takes,
    /// given once, with its datatype and shape `[N]`, the same N for all;
    /// every required input present.
    pub(crate) fn batch(&self, model: Model) -> Result<Batch<'_>, ProtocolError> {
        let mut rows = None;
        for (index, input) in self.inputs.iter().enumerate() {
            let Some(tensor) = model.inputs().iter().find(|t| t.name == input.name) else {
                return Err(ProtocolError::bad_request(format!(
                    "{} has no input `{}`; its inputs: {}",
                    model.name(),
                    input.name,
                    names(model.inputs().iter().map(|t| t.name))
                )));
            };
            if self.inputs[..index].iter().any(|i| i.name == input.name) {
                return Err(ProtocolError::bad_request(format!(
                    "input `{}` is given twice",
                    input.name
                )));
            }
            if input.datatype != tensor.datatype {
                return Err(ProtocolError::bad_request(format!(
                    "input `{}` must have datatype {}, not {}",
                    input.name, tensor.datatype, input.datatype
                )));
            }
            let [n] = input.shape[..] else {
                return Err(ProtocolError::bad_request(format!(
                    "input `{}` must have shape [N], one element per row, not {:?}",
                    input.name, input.shape
                )));
            };
            if usize::try_from(n).ok() != Some(input.data.len()) {
                return Err(ProtocolError::bad_request(format!(
                    "input `{}` has shape [{n}] but {} elements",
                    input.name,
                    input.data.len()
                )));
            }
            match rows {
                Some(rows) if rows != input.data.len() => {
                    return Err(ProtocolError::bad_request(format!(
                        "input `{}` has {} rows where the other inputs have {rows}",
                        input.name,
                        input.data.len()
                    )));
                }
                _ => rows = Some(input.data.len()),
            }
        }
        for tensor in model.inputs().iter().filter(|t| t.required) {
            if !self.inputs.iter().any(|input| input.name == tensor.name) {
                return Err(ProtocolError::bad_request(format!(
                    "missing input `{}` ({})",
                    tensor.name, tensor.datatype
                )));
            }
        }
        Ok(Batch {
            inputs: &self.inputs,
            rows: rows.unwrap_or(0),
        })
    }

    /// The answer carrying `outputs`, or those the request asked for.
    pub(crate) fn respond(
        &self,
        model: Model,
        model_version: String,
        outputs: Vec<Output>,
    ) -> Result<InferResponse, ProtocolError> {
        let outputs = match &self.outputs {
            None => outputs,
            Some(requested) => {
                for output in requested {
                    if !outputs.iter().any(|o| o.name == output.name) {
                        return Err(ProtocolError::bad_request(format!(
                            "{} has no output `{}`; its outputs: {}",
                            model.name(),
                            output.name,
                            names(model.outputs().iter().map(|t| t.name))
                        )));
                    }
                }
                outputs
                    .into_iter()
                    .filter(|o| requested.iter().any(|r| r.name == o.name))
                    .collect()
            }
        };
        Ok(InferResponse {
            model_name: model.name(),
            model_version,
            id: self.id.clone(),
            outputs,
        })
    }
}

fn names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

/// Checked inputs: columns of `rows` elements each.
pub(crate) struct Batch<'a> {
    inputs: &'a [Input],
    pub(crate) rows: usize,
}

impl Batch<'_> {
    /// Column `name` with each element read by `read`, or `None` when the
    /// request does not carry it; `expected` names what `read` accepts.
    pub(crate) fn column<T>(
        &self,
        name: &str,
        expected: &str,
        read: impl Fn(&Value) -> Option<T>,
    ) -> Result<Option<Vec<T>>, ProtocolError> {
        let Some(input) = self.inputs.iter().find(|input| input.name == name) else {
            return Ok(None);
        };
        input
            .data
            .iter()
            .enumerate()
            .map(|(row, value)| {
                read(value).ok_or_else(|| {
                    ProtocolError::bad_request(format!(
                        "row {row}: input `{name}` must be {expected}, not {value}"
                    ))
                })
            })
            .collect::<Result<Vec<T>, _>>()
            .map(Some)
    }

    /// A column a model requires ([`InferRequest::batch`] checked it is
    /// there).
    pub(crate) fn required<T>(
        &self,
        name: &str,
        expected: &str,
        read: impl Fn(&Value) -> Option<T>,
    ) -> Result<Vec<T>, ProtocolError> {
        Ok(self.column(name, expected, read)?.unwrap_or_default())
    }
}
