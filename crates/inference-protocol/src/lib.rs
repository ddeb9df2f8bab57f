//! The Open Inference Protocol v2 (the REST API of KServe, Triton and
//! MLServer) over the models' API types: which route a path is, the tensors
//! of an inference request as a batch of rows for a model, and the model's
//! answers as tensors. No model and no HTTP here: the gateway calls the
//! models through their WIT interfaces, one call per batch.
//!
//! Each model takes and answers named tensors of shape `[N]`, one element
//! per row (see [`Model::inputs`] and [`Model::outputs`]). Their elements
//! are JSON, or binary data after the JSON in Triton's binary tensor data
//! extension (see [`binary`]): an input with `binary_data_size`, and an
//! output asked for with `binary_data` (or all of them with the request's
//! `binary_data_output`), as Triton's client sends and asks by default.
//! Errors are `{"error": "..."}`: 400 for a bad request (a row the model
//! refuses names its row, counting from 0), 404 for an unknown model,
//! version or path.

mod batch;
pub mod binary;
pub mod car_value;
mod route;
pub mod sentiment;

pub use batch::{
    InferRequest, Input, InputParameters, OutputParameters, RequestParameters, RequestedOutput,
};
use binary::BinaryError;
pub use route::{Route, Target, route};

use api::ApiError;
use serde::Serialize;

/// The models the protocol serves, by their protocol names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    CarValue,
    Sentiment,
}

impl Model {
    /// Every model, in the order `GET /api/models` lists them.
    pub const ALL: [Model; 2] = [Model::CarValue, Model::Sentiment];

    /// The protocol's name: `car-value` or `sentiment`.
    pub fn name(self) -> &'static str {
        match self {
            Model::CarValue => "car-value",
            Model::Sentiment => "sentiment",
        }
    }

    /// The model called `name`.
    pub fn named(name: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|model| model.name() == name)
    }

    /// The input tensors a request may carry.
    pub fn inputs(self) -> &'static [Tensor] {
        match self {
            Model::CarValue => car_value::INPUTS,
            Model::Sentiment => sentiment::INPUTS,
        }
    }

    /// The output tensors an answer carries.
    pub fn outputs(self) -> &'static [Tensor] {
        match self {
            Model::CarValue => car_value::OUTPUTS,
            Model::Sentiment => sentiment::OUTPUTS,
        }
    }

    /// The answer of `GET /v2/models/{name}` for the model at `version`.
    pub fn metadata(self, version: String) -> ModelMetadata {
        ModelMetadata {
            name: self.name(),
            versions: vec![version],
            platform: PLATFORM,
            inputs: self.inputs().iter().map(Tensor::metadata).collect(),
            outputs: self.outputs().iter().map(Tensor::metadata).collect(),
        }
    }
}

/// What `GET /v2/models/{name}` reports as the platform.
pub const PLATFORM: &str = "wasm-component";

/// A tensor a model takes or answers: its name, datatype, and whether a
/// request must carry it. Every tensor has shape `[N]`, one element per row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tensor {
    pub name: &'static str,
    pub datatype: &'static str,
    pub required: bool,
}

impl Tensor {
    fn metadata(&self) -> TensorMetadata {
        TensorMetadata {
            name: self.name,
            datatype: self.datatype,
            shape: [-1],
        }
    }
}

/// A tensor in model metadata: its shape is `[-1]`, any batch size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TensorMetadata {
    pub name: &'static str,
    pub datatype: &'static str,
    pub shape: [i64; 1],
}

/// The answer of `GET /v2/models/{name}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelMetadata {
    pub name: &'static str,
    pub versions: Vec<String>,
    pub platform: &'static str,
    pub inputs: Vec<TensorMetadata>,
    pub outputs: Vec<TensorMetadata>,
}

/// The protocol extensions the server supports, as `GET /v2` lists them.
pub const EXTENSIONS: &[&str] = &[binary::EXTENSION];

/// The answer of `GET /v2`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerMetadata {
    pub name: &'static str,
    pub version: &'static str,
    /// Protocol extensions supported: [`EXTENSIONS`].
    pub extensions: &'static [&'static str],
}

/// The answer of `GET /v2/health/live`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Live {
    pub live: bool,
}

/// The answer of `GET /v2/health/ready`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ready {
    pub ready: bool,
}

/// The answer of `GET /v2/models/{name}/ready`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelReady {
    pub name: &'static str,
    pub ready: bool,
}

/// The answer of `POST /v2/models/{name}/infer`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InferResponse {
    pub model_name: &'static str,
    pub model_version: String,
    /// The request's `id`, when it had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What the server adds: the ids its predictions are kept under.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<InferParameters>,
    pub outputs: Vec<Output>,
}

/// The parameters of an inference answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InferParameters {
    /// The id of each row's prediction, in row order, for
    /// `GET /api/predictions/{id}` and its feedback.
    pub prediction_ids: Vec<String>,
}

impl InferResponse {
    /// The answer's body: its JSON, followed by the outputs asked for as
    /// binary data, in output order.
    pub fn body(&self) -> InferBody {
        let mut bytes = api::to_json(self);
        let json_length = bytes.len();
        let mut has_binary = false;
        for data in self.outputs.iter().filter_map(Output::binary) {
            bytes.extend_from_slice(data);
            has_binary = true;
        }
        InferBody {
            bytes,
            json_length: has_binary.then_some(json_length),
        }
    }
}

/// The body of an inference answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InferBody {
    /// The JSON, then any binary outputs' bytes.
    pub bytes: Vec<u8>,
    /// The JSON's length when binary outputs follow it: the value of the
    /// answer's `Inference-Header-Content-Length` header.
    pub json_length: Option<usize>,
}

impl InferBody {
    /// The body's content type: JSON, or, with binary data after the JSON,
    /// bytes, as Triton answers.
    pub fn content_type(&self) -> &'static str {
        match self.json_length {
            None => "application/json",
            Some(_) => binary::CONTENT_TYPE,
        }
    }
}

/// An output tensor of shape `[N]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Output {
    pub name: &'static str,
    pub datatype: &'static str,
    pub shape: [usize; 1],
    /// Its elements, in the JSON or after it.
    #[serde(flatten)]
    pub contents: Contents,
}

/// Where an output's elements are.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Contents {
    /// In the JSON, as `data`.
    Json { data: Data },
    /// After the JSON as binary data, its size in `parameters`.
    Binary {
        parameters: BinaryDataSize,
        #[serde(skip)]
        bytes: Vec<u8>,
    },
}

/// The parameters of an output sent as binary data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BinaryDataSize {
    pub binary_data_size: usize,
}

/// A tensor's elements.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Data {
    Uint32(Vec<u32>),
    Fp64(Vec<f64>),
    Bytes(Vec<String>),
}

impl Output {
    fn new(tensor: &Tensor, data: Data) -> Output {
        let rows = match &data {
            Data::Uint32(values) => values.len(),
            Data::Fp64(values) => values.len(),
            Data::Bytes(values) => values.len(),
        };
        Output {
            name: tensor.name,
            datatype: tensor.datatype,
            shape: [rows],
            contents: Contents::Json { data },
        }
    }

    /// The output with its elements as binary data when `binary`, else as
    /// they are.
    fn sent_as_binary(self, binary: bool) -> Output {
        match self.contents {
            Contents::Json { data } if binary => {
                let bytes = binary::encode(&data);
                Output {
                    contents: Contents::Binary {
                        parameters: BinaryDataSize {
                            binary_data_size: bytes.len(),
                        },
                        bytes,
                    },
                    ..self
                }
            }
            _ => self,
        }
    }

    /// Its bytes, when it is sent as binary data.
    fn binary(&self) -> Option<&[u8]> {
        match &self.contents {
            Contents::Binary { bytes, .. } => Some(bytes),
            Contents::Json { .. } => None,
        }
    }
}

/// A failed protocol request: its status and `{"error": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError {
    pub status: u16,
    pub message: String,
    /// The methods a 405 allows, for its `Allow` header.
    pub allow: Option<&'static str>,
}

impl ProtocolError {
    /// 400: the request is not one the protocol or the model accepts.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: 400,
            message: message.into(),
            allow: None,
        }
    }

    /// 404: no such model, version or route.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: 404,
            message: message.into(),
            allow: None,
        }
    }

    /// The JSON body: `{"error": "..."}`.
    pub fn body(&self) -> Vec<u8> {
        api::to_json(&serde_json::json!({ "error": self.message }))
    }
}

/// Binary data that does not add up is a bad request.
impl From<BinaryError> for ProtocolError {
    fn from(error: BinaryError) -> Self {
        Self::bad_request(error.to_string())
    }
}

/// An HTTP-level failure (a wrong method, a body too large or unreadable)
/// keeps its status and message, in the protocol's shape.
impl From<ApiError> for ProtocolError {
    fn from(error: ApiError) -> Self {
        Self {
            status: error.status(),
            message: error.message().to_owned(),
            allow: error.allow(),
        }
    }
}

/// The first refused row of a batch's answers as a 400 naming the row, or
/// the answers.
fn rows<T, E: std::fmt::Display>(answers: Vec<Result<T, E>>) -> Result<Vec<T>, ProtocolError> {
    answers
        .into_iter()
        .enumerate()
        .map(|(row, answer)| {
            answer.map_err(|error| ProtocolError::bad_request(format!("row {row}: {error}")))
        })
        .collect()
}
