//! An inference request's input tensors, checked against a model's, as
//! columns of a batch.

use crate::binary::{self, BinaryError};
use crate::{InferResponse, Model, Output, ProtocolError};
use serde::Deserialize;
use serde_json::Value;

/// The body of `POST /v2/models/{name}/infer`: the JSON, whose inputs'
/// elements are in it or, with binary data, in the body after it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct InferRequest<'a> {
    #[serde(default)]
    pub id: Option<String>,
    pub inputs: Vec<Input<'a>>,
    /// The outputs to answer; all of them when absent.
    #[serde(default)]
    pub outputs: Option<Vec<RequestedOutput>>,
    #[serde(default)]
    pub parameters: RequestParameters,
}

/// The request's parameters that change the answer; others are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct RequestParameters {
    /// Whether to answer every output as binary data, unless the output
    /// asks otherwise.
    #[serde(default)]
    pub binary_data_output: bool,
}

/// An input tensor.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Input<'a> {
    pub name: String,
    pub shape: Vec<i64>,
    pub datatype: String,
    /// The elements, in row order, when they are in the JSON.
    #[serde(default)]
    pub data: Option<Vec<Value>>,
    #[serde(default)]
    pub parameters: InputParameters,
    /// The elements' binary data, when they are not in the JSON.
    #[serde(skip)]
    binary: &'a [u8],
}

/// An input's parameters that say where its elements are; others are
/// ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct InputParameters {
    /// The length of the input's binary data, when its elements are not in
    /// the JSON but after it.
    #[serde(default)]
    pub binary_data_size: Option<u64>,
}

/// An output the client asks for, by name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RequestedOutput {
    pub name: String,
    #[serde(default)]
    pub parameters: OutputParameters,
}

/// A requested output's parameters that change the answer; others are
/// ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct OutputParameters {
    /// Whether to answer the output as binary data; the request's
    /// `binary_data_output` when not given.
    #[serde(default)]
    pub binary_data: Option<bool>,
}

impl<'a> InferRequest<'a> {
    /// Parses a request `body`: JSON of the protocol's shape, followed by
    /// the inputs' binary data when `header_length` (the values of the
    /// request's `Inference-Header-Content-Length` header) gives the JSON's
    /// length.
    pub fn parse(body: &'a [u8], header_length: &[Vec<u8>]) -> Result<Self, ProtocolError> {
        let (json, binary) = binary::split(body, header_length)?;
        let mut request: InferRequest = api::parse_json(json).map_err(|error| {
            ProtocolError::bad_request(format!("invalid inference request: {}", error.message()))
        })?;
        request.take_binary(binary)?;
        Ok(request)
    }

    /// Hands each input without `data` its `binary_data_size` bytes of
    /// `binary`, in input order; together they must take all of it.
    fn take_binary(&mut self, binary: Option<&'a [u8]>) -> Result<(), BinaryError> {
        let mut left = binary.unwrap_or_default();
        for input in &mut self.inputs {
            let name = || input.name.clone();
            match (&input.data, input.parameters.binary_data_size) {
                (Some(_), None) => {}
                (Some(_), Some(_)) => return Err(BinaryError::DataAndBinary { input: name() }),
                (None, None) => return Err(BinaryError::NoData { input: name() }),
                (None, Some(_)) if binary.is_none() => {
                    return Err(BinaryError::NoBinaryData { input: name() });
                }
                (None, Some(size)) => input.binary = binary::take(&mut left, &input.name, size)?,
            }
        }
        if !left.is_empty() {
            return Err(BinaryError::Unclaimed { bytes: left.len() });
        }
        Ok(())
    }

    /// The inputs as a batch for `model`: every input one the model takes,
    /// given once, with its datatype and shape `[N]`, the same N for all;
    /// every required input present.
    pub(crate) fn batch(&self, model: Model) -> Result<Batch<'_>, ProtocolError> {
        let mut rows = None;
        let mut columns = Vec::with_capacity(self.inputs.len());
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
            let elements = input.elements(tensor.datatype)?;
            if usize::try_from(n).ok() != Some(elements.len()) {
                return Err(ProtocolError::bad_request(format!(
                    "input `{}` has shape [{n}] but {} elements",
                    input.name,
                    elements.len()
                )));
            }
            match rows {
                Some(rows) if rows != elements.len() => {
                    return Err(ProtocolError::bad_request(format!(
                        "input `{}` has {} rows where the other inputs have {rows}",
                        input.name,
                        elements.len()
                    )));
                }
                _ => rows = Some(elements.len()),
            }
            columns.push((input.name.as_str(), elements));
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
            columns,
            rows: rows.unwrap_or(0),
        })
    }

    /// The answer carrying `outputs`, or those the request asked for, each
    /// as binary data when asked so.
    pub(crate) fn respond(
        &self,
        model: Model,
        model_version: String,
        outputs: Vec<Output>,
    ) -> Result<InferResponse, ProtocolError> {
        let binary_data_output = self.parameters.binary_data_output;
        let outputs = match &self.outputs {
            None => outputs
                .into_iter()
                .map(|output| output.sent_as_binary(binary_data_output))
                .collect(),
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
                    .filter_map(|output| {
                        let asked = requested.iter().find(|r| r.name == output.name)?;
                        let binary = asked.parameters.binary_data.unwrap_or(binary_data_output);
                        Some(output.sent_as_binary(binary))
                    })
                    .collect()
            }
        };
        Ok(InferResponse {
            model_name: model.name(),
            model_version,
            id: self.id.clone(),
            parameters: None,
            outputs,
        })
    }
}

fn names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

impl Input<'_> {
    /// The elements, of the model's `datatype`: JSON values, or each
    /// element's bytes of the binary data.
    fn elements(&self, datatype: &'static str) -> Result<Elements<'_>, BinaryError> {
        match &self.data {
            Some(values) => Ok(Elements::Json(values)),
            // Parsing gave an input without `data` its binary data.
            None => binary::elements(&self.name, datatype, self.binary).map(Elements::Binary),
        }
    }
}

/// An input's elements.
enum Elements<'a> {
    Json(&'a [Value]),
    Binary(Vec<&'a [u8]>),
}

impl Elements<'_> {
    fn len(&self) -> usize {
        match self {
            Elements::Json(values) => values.len(),
            Elements::Binary(elements) => elements.len(),
        }
    }
}

/// A type a column's elements are read as, from JSON or binary data.
pub(crate) trait Element: Sized {
    /// What a JSON element must be, for the refusal that names it.
    const EXPECTED: &'static str;
    /// Why an element's bytes are not one.
    type Error: std::fmt::Display;

    fn from_json(value: &Value) -> Option<Self>;
    fn from_binary(bytes: &[u8]) -> Result<Self, Self::Error>;
}

impl Element for i32 {
    const EXPECTED: &'static str = "an INT32";
    type Error = std::array::TryFromSliceError;

    fn from_json(value: &Value) -> Option<Self> {
        i32::try_from(value.as_i64()?).ok()
    }

    fn from_binary(bytes: &[u8]) -> Result<Self, Self::Error> {
        bytes.try_into().map(i32::from_le_bytes)
    }
}

impl Element for f64 {
    const EXPECTED: &'static str = "a number";
    type Error = std::array::TryFromSliceError;

    fn from_json(value: &Value) -> Option<Self> {
        value.as_f64()
    }

    fn from_binary(bytes: &[u8]) -> Result<Self, Self::Error> {
        bytes.try_into().map(f64::from_le_bytes)
    }
}

impl Element for String {
    const EXPECTED: &'static str = "a string";
    type Error = std::str::Utf8Error;

    fn from_json(value: &Value) -> Option<Self> {
        value.as_str().map(str::to_owned)
    }

    fn from_binary(bytes: &[u8]) -> Result<Self, Self::Error> {
        std::str::from_utf8(bytes).map(str::to_owned)
    }
}

/// Checked inputs: columns of `rows` elements each, by input name.
pub(crate) struct Batch<'a> {
    columns: Vec<(&'a str, Elements<'a>)>,
    pub(crate) rows: usize,
}

impl Batch<'_> {
    /// Column `name` read as `T`s, or `None` when the request does not carry
    /// it.
    pub(crate) fn column<T: Element>(&self, name: &str) -> Result<Option<Vec<T>>, ProtocolError> {
        let Some((_, elements)) = self.columns.iter().find(|(input, _)| *input == name) else {
            return Ok(None);
        };
        let refusal = |row: usize, why: String| {
            ProtocolError::bad_request(format!(
                "row {row}: input `{name}` must be {}{why}",
                T::EXPECTED
            ))
        };
        let column: Result<Vec<T>, _> = match elements {
            Elements::Json(values) => values
                .iter()
                .enumerate()
                .map(|(row, value)| {
                    T::from_json(value).ok_or_else(|| refusal(row, format!(", not {value}")))
                })
                .collect(),
            Elements::Binary(elements) => elements
                .iter()
                .enumerate()
                .map(|(row, bytes)| {
                    T::from_binary(bytes).map_err(|error| refusal(row, format!(": {error}")))
                })
                .collect(),
        };
        column.map(Some)
    }

    /// A column a model requires ([`InferRequest::batch`] checked it is
    /// there).
    pub(crate) fn required<T: Element>(&self, name: &str) -> Result<Vec<T>, ProtocolError> {
        Ok(self.column(name)?.unwrap_or_default())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// A body of `json` followed by the binary data `binary`, and the values
    /// of its `Inference-Header-Content-Length` header.
    pub(crate) fn with_binary(json: Value, binary: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
        let mut body = json.to_string().into_bytes();
        let header = vec![body.len().to_string().into_bytes()];
        body.extend_from_slice(binary);
        (body, header)
    }

    fn refusal(json: Value, binary: Option<&[u8]>) -> String {
        let (body, header) = match binary {
            Some(binary) => with_binary(json, binary),
            None => (json.to_string().into_bytes(), vec![]),
        };
        let error = InferRequest::parse(&body, &header).unwrap_err();
        assert_eq!(error.status, 400);
        error.message
    }

    fn year(parameters: Value) -> Value {
        json!({"inputs": [{"name": "year", "shape": [1], "datatype": "INT32", "parameters": parameters}]})
    }

    #[test]
    fn inputs_take_their_binary_data_in_input_order() {
        let (body, header) = with_binary(
            json!({"inputs": [
                {"name": "year", "shape": [1], "datatype": "INT32", "parameters": {"binary_data_size": 4}},
                {"name": "model", "shape": [1], "datatype": "BYTES", "data": ["metris"]},
                {"name": "mileage", "shape": [1], "datatype": "FP64", "parameters": {"binary_data_size": 8}},
            ]}),
            &[&2018i32.to_le_bytes()[..], &1000.5f64.to_le_bytes()].concat(),
        );
        let request = InferRequest::parse(&body, &header).unwrap();
        let batch = request.batch(Model::CarValue).unwrap();
        assert_eq!(batch.required::<i32>("year").unwrap(), [2018]);
        assert_eq!(batch.required::<f64>("mileage").unwrap(), [1000.5]);
        assert_eq!(batch.required::<String>("model").unwrap(), ["metris"]);
    }

    #[test]
    fn an_input_with_both_data_and_binary_data_size_is_refused() {
        let json = json!({"inputs": [{"name": "year", "shape": [1], "datatype": "INT32",
            "data": [2018], "parameters": {"binary_data_size": 4}}]});
        assert_eq!(
            refusal(json, Some(&2018i32.to_le_bytes())),
            "input `year` has both `data` and binary_data_size; give one"
        );
    }

    #[test]
    fn an_input_with_neither_data_nor_binary_data_size_is_refused() {
        assert_eq!(
            refusal(year(json!({})), None),
            "input `year` has no `data` and no binary_data_size"
        );
    }

    #[test]
    fn binary_data_size_without_the_header_is_refused() {
        let message = refusal(year(json!({"binary_data_size": 4})), None);
        assert!(
            message.starts_with(
                "input `year` has binary_data_size but the request has no binary data"
            ),
            "{message}"
        );
    }

    #[test]
    fn sizes_must_add_up_to_the_binary_data() {
        let json = year(json!({"binary_data_size": 8}));
        assert_eq!(
            refusal(json, Some(&[0; 4])),
            "input `year` has binary_data_size 8 but only 4 bytes of binary data are left"
        );
        let json = year(json!({"binary_data_size": 4}));
        assert_eq!(
            refusal(json, Some(&[0; 6])),
            "2 bytes of binary data are left after every input's binary_data_size"
        );
    }

    #[test]
    fn a_header_past_the_end_of_the_body_is_a_400() {
        let body = br#"{"inputs": []}"#;
        let error = InferRequest::parse(body, &[b"100".to_vec()]).unwrap_err();
        assert_eq!(
            (error.status, error.message.as_str()),
            (
                400,
                "Inference-Header-Content-Length is 100 but the body is 14 bytes"
            )
        );
    }

    #[test]
    fn a_header_shorter_than_the_json_is_a_400_for_the_json_cut_short() {
        let body = br#"{"inputs": []}"#;
        let error = InferRequest::parse(body, &[b"5".to_vec()]).unwrap_err();
        assert!(
            error.message.starts_with("invalid inference request: "),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_binary_size_that_is_not_whole_elements_is_refused_before_reading() {
        let (body, header) = with_binary(year(json!({"binary_data_size": 6})), &[0; 6]);
        let request = InferRequest::parse(&body, &header).unwrap();
        let error = request.batch(Model::CarValue).err().unwrap();
        assert_eq!(
            error.message,
            "input `year` has binary_data_size 6, not a whole number of 4-byte INT32 elements"
        );
    }

    #[test]
    fn binary_elements_must_match_the_shape() {
        let (body, header) = with_binary(year(json!({"binary_data_size": 8})), &[0; 8]);
        let request = InferRequest::parse(&body, &header).unwrap();
        let error = request.batch(Model::CarValue).err().unwrap();
        assert_eq!(error.message, "input `year` has shape [1] but 2 elements");
    }
}
