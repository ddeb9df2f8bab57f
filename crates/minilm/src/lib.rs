//! A MiniLM sentence classifier at run time: BERT's WordPiece tokenizer as a
//! checkpoint's `tokenizer.json` defines it ([`wordpiece`]), and the encoder
//! with int8 weights, mean pooling and a linear head ([`encoder`]), all read
//! in place from one model blob ([`blob`]) written by
//! `training/transformer/train.py`.
//!
//! Nothing of the model is copied, decoded or allocated when it is used: a
//! [`Model`] is a set of slices into the blob, so a blob compiled into a Wasm
//! component's data segment is used where the segment puts it. Each call
//! allocates only its activations (a few hundred KB for a long review).
//!
//! The linear layers' kernel uses Wasm SIMD (simd128) when built for wasm32,
//! and plain code with the same four-lane sums elsewhere, so native tests
//! check the Wasm arithmetic.

pub mod blob;
pub mod encoder;
mod kernels;
pub mod wordpiece;

pub use blob::{Blob, BlobError};
pub use encoder::{Classified, Model};
pub use wordpiece::Vocab;

#[cfg(target_endian = "big")]
compile_error!("the model blob is little-endian and read in place");
