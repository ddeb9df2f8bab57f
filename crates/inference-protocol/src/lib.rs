//! The Open Inference Protocol v2 (the REST API of KServe, Triton and
//! MLServer) over the models' API types: which route a path is, the tensors
//! of an inference request as a batch of rows for a model, and the model's
//! answers as tensors. No model and no HTTP here: the gateway calls the
//! models through their WIT interfaces, one call per batch.
//!
//! Each model takes and answers named tensors of shape `[N]`, one element
//! per row (see [`Model::inputs`] and [`Model::outputs`]); data is JSON (the
//! binary tensor extension is not supported). Errors are
//! `{"error": "..."}`: 400 for a bad request (a row the model refuses names
//! its row, counting from 0), 404 for an unknown model, version or path.

mod batch;
pub mod car_value;
mod route;
pub mod sentiment;

pub use batch::{InferRequest, Input, RequestedOutput};
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

/// The answer of `GET /v2`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerMetadata {
    pub name: &'static str,
    pub version: &'static str,
    /// Protocol extensions supported: none.
    pub extensions: [&'static str; 0],
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
    pub outputs: Vec<Output>,
}

/// An output tensor of shape `[N]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Output {
    pub name: &'static str,
    pub datatype: &'static str,
    pub shape: [usize; 1],
    pub data: Data,
}

/// A tensor's elements, as JSON.
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
            data,
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
