//! Triton's binary tensor data extension: a body is its JSON followed by
//! tensors' elements as bytes, little-endian and without padding, each BYTES
//! element as its length in 4 bytes then its bytes. The HTTP header
//! `Inference-Header-Content-Length` gives the JSON's length; an input's or
//! output's `parameters.binary_data_size` the length of its bytes, which
//! follow in the order of the inputs or outputs.

use crate::Data;
use std::fmt;

/// The extension's name, as `GET /v2` lists it.
pub const EXTENSION: &str = "binary_tensor_data";

/// The HTTP header giving the length of the JSON that binary data follows,
/// in a request and in an answer.
pub const INFERENCE_HEADER_CONTENT_LENGTH: &str = "inference-header-content-length";

/// The content type of a body that has binary data, as Triton answers it.
pub const CONTENT_TYPE: &str = "application/octet-stream";

/// A request's binary data that does not add up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BinaryError {
    /// `Inference-Header-Content-Length` is given more than once.
    RepeatedHeader { times: usize },
    /// Its value is not a length in bytes.
    InvalidHeader { value: String },
    /// It says the JSON is longer than the whole body.
    HeaderPastBody { length: usize, body: usize },
    /// An input has `binary_data_size`, but the request no binary data.
    NoBinaryData { input: String },
    /// An input has both `data` and `binary_data_size`.
    DataAndBinary { input: String },
    /// An input has neither.
    NoData { input: String },
    /// An input's `binary_data_size` is more than the binary data left.
    SizePastEnd {
        input: String,
        size: u64,
        left: usize,
    },
    /// Binary data is left over once every input has taken its size.
    Unclaimed { bytes: usize },
    /// An input's bytes are not a whole number of its elements.
    NotWholeElements {
        input: String,
        datatype: &'static str,
        width: usize,
        size: usize,
    },
    /// A BYTES element's length prefix is cut short.
    LengthCutShort {
        input: String,
        row: usize,
        left: usize,
    },
    /// A BYTES element is longer than its input's bytes left.
    ElementPastEnd {
        input: String,
        row: usize,
        length: u32,
        left: usize,
    },
    /// An input of a datatype this crate does not read as binary data.
    UnsupportedDatatype {
        input: String,
        datatype: &'static str,
    },
}

impl fmt::Display for BinaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BinaryError::RepeatedHeader { times } => write!(
                f,
                "Inference-Header-Content-Length is given {times} times; give it once"
            ),
            BinaryError::InvalidHeader { value } => write!(
                f,
                "Inference-Header-Content-Length must be the length in bytes of the \
                 JSON inference header, not `{value}`"
            ),
            BinaryError::HeaderPastBody { length, body } => write!(
                f,
                "Inference-Header-Content-Length is {length} but the body is {body} bytes"
            ),
            BinaryError::NoBinaryData { input } => write!(
                f,
                "input `{input}` has binary_data_size but the request has no binary \
                 data: send Inference-Header-Content-Length with the JSON's length"
            ),
            BinaryError::DataAndBinary { input } => write!(
                f,
                "input `{input}` has both `data` and binary_data_size; give one"
            ),
            BinaryError::NoData { input } => {
                write!(f, "input `{input}` has no `data` and no binary_data_size")
            }
            BinaryError::SizePastEnd { input, size, left } => write!(
                f,
                "input `{input}` has binary_data_size {size} but only {left} bytes \
                 of binary data are left"
            ),
            BinaryError::Unclaimed { bytes } => write!(
                f,
                "{bytes} bytes of binary data are left after every input's \
                 binary_data_size"
            ),
            BinaryError::NotWholeElements {
                input,
                datatype,
                width,
                size,
            } => write!(
                f,
                "input `{input}` has binary_data_size {size}, not a whole number of \
                 {width}-byte {datatype} elements"
            ),
            BinaryError::LengthCutShort { input, row, left } => write!(
                f,
                "row {row}: input `{input}` has {left} bytes left for the 4-byte \
                 length of its BYTES element"
            ),
            BinaryError::ElementPastEnd {
                input,
                row,
                length,
                left,
            } => write!(
                f,
                "row {row}: input `{input}` has a BYTES element of {length} bytes \
                 but only {left} bytes left"
            ),
            BinaryError::UnsupportedDatatype { input, datatype } => write!(
                f,
                "input `{input}`: binary data of datatype {datatype} is not supported"
            ),
        }
    }
}

/// Splits `body` into its JSON and the binary data after it, at the length
/// the values of `Inference-Header-Content-Length` give; without the header
/// the body is all JSON, and there is no binary data.
pub(crate) fn split<'a>(
    body: &'a [u8],
    header: &[Vec<u8>],
) -> Result<(&'a [u8], Option<&'a [u8]>), BinaryError> {
    let value = match header {
        [] => return Ok((body, None)),
        [value] => value,
        values => {
            return Err(BinaryError::RepeatedHeader {
                times: values.len(),
            });
        }
    };
    let length = std::str::from_utf8(value)
        .ok()
        .and_then(|text| text.trim().parse::<usize>().ok())
        .ok_or_else(|| BinaryError::InvalidHeader {
            value: value.escape_ascii().to_string(),
        })?;
    let (json, binary) = body
        .split_at_checked(length)
        .ok_or(BinaryError::HeaderPastBody {
            length,
            body: body.len(),
        })?;
    Ok((json, Some(binary)))
}

/// Takes the first `size` bytes of `binary`, for `input`.
pub(crate) fn take<'a>(
    binary: &mut &'a [u8],
    input: &str,
    size: u64,
) -> Result<&'a [u8], BinaryError> {
    usize::try_from(size)
        .ok()
        .and_then(|size| binary.split_off(..size))
        .ok_or_else(|| BinaryError::SizePastEnd {
            input: input.to_owned(),
            size,
            left: binary.len(),
        })
}

/// The elements of `input`'s binary data `bytes`, of `datatype`: each
/// element's bytes, in row order.
pub(crate) fn elements<'a>(
    input: &str,
    datatype: &'static str,
    bytes: &'a [u8],
) -> Result<Vec<&'a [u8]>, BinaryError> {
    match datatype {
        "INT32" => fixed_width(input, datatype, 4, bytes),
        "FP64" => fixed_width(input, datatype, 8, bytes),
        "BYTES" => length_prefixed(input, bytes),
        _ => Err(BinaryError::UnsupportedDatatype {
            input: input.to_owned(),
            datatype,
        }),
    }
}

fn fixed_width<'a>(
    input: &str,
    datatype: &'static str,
    width: usize,
    bytes: &'a [u8],
) -> Result<Vec<&'a [u8]>, BinaryError> {
    if !bytes.len().is_multiple_of(width) {
        return Err(BinaryError::NotWholeElements {
            input: input.to_owned(),
            datatype,
            width,
            size: bytes.len(),
        });
    }
    Ok(bytes.chunks_exact(width).collect())
}

/// BYTES elements: each its length in 4 bytes, then that many bytes.
fn length_prefixed<'a>(input: &str, mut bytes: &'a [u8]) -> Result<Vec<&'a [u8]>, BinaryError> {
    let mut elements = Vec::new();
    while !bytes.is_empty() {
        let row = elements.len();
        let (length, rest) =
            bytes
                .split_first_chunk::<4>()
                .ok_or_else(|| BinaryError::LengthCutShort {
                    input: input.to_owned(),
                    row,
                    left: bytes.len(),
                })?;
        let length = u32::from_le_bytes(*length);
        let (element, rest) = usize::try_from(length)
            .ok()
            .and_then(|length| rest.split_at_checked(length))
            .ok_or_else(|| BinaryError::ElementPastEnd {
                input: input.to_owned(),
                row,
                length,
                left: rest.len(),
            })?;
        elements.push(element);
        bytes = rest;
    }
    Ok(elements)
}

/// `data`'s elements as binary data.
pub(crate) fn encode(data: &Data) -> Vec<u8> {
    match data {
        Data::Uint32(values) => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        Data::Fp64(values) => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        Data::Bytes(values) => {
            let size = values.iter().map(|value| 4 + value.len()).sum();
            let mut bytes = Vec::with_capacity(size);
            for value in values {
                // An output element is a label: nowhere near 4 GiB.
                let length = u32::try_from(value.len()).expect("an element under 4 GiB");
                bytes.extend_from_slice(&length.to_le_bytes());
                bytes.extend_from_slice(value.as_bytes());
            }
            bytes
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(length: &str) -> Vec<Vec<u8>> {
        vec![length.as_bytes().to_vec()]
    }

    #[test]
    fn the_header_splits_the_json_from_the_binary_data() {
        let (json, binary) = split(b"{}\x01\x02", &header("2")).unwrap();
        assert_eq!((json, binary), (&b"{}"[..], Some(&b"\x01\x02"[..])));
    }

    #[test]
    fn without_the_header_the_body_is_all_json() {
        assert_eq!(split(b"{}", &[]).unwrap(), (&b"{}"[..], None));
    }

    #[test]
    fn a_header_that_is_not_a_length_is_refused_and_quoted() {
        for value in ["", "-1", "two", "1.5", "99999999999999999999999"] {
            assert_eq!(
                split(b"{}", &header(value)).unwrap_err(),
                BinaryError::InvalidHeader {
                    value: value.into()
                },
                "{value}"
            );
        }
        let error = split(b"{}", &[b"\xff".to_vec()]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Inference-Header-Content-Length must be the length in bytes of the JSON \
             inference header, not `\\xff`"
        );
    }

    #[test]
    fn a_repeated_header_is_refused() {
        let twice = [b"2".to_vec(), b"2".to_vec()];
        assert_eq!(
            split(b"{}", &twice).unwrap_err(),
            BinaryError::RepeatedHeader { times: 2 }
        );
    }

    #[test]
    fn inputs_take_their_sizes_in_turn_and_no_more_than_is_left() {
        let mut binary = &b"abcdef"[..];
        assert_eq!(take(&mut binary, "a", 2).unwrap(), b"ab");
        assert_eq!(take(&mut binary, "b", 4).unwrap(), b"cdef");
        assert_eq!(
            take(&mut binary, "c", 1).unwrap_err(),
            BinaryError::SizePastEnd {
                input: "c".into(),
                size: 1,
                left: 0
            }
        );
        let mut binary = &b"ab"[..];
        assert!(take(&mut binary, "huge", u64::MAX).is_err());
    }

    #[test]
    fn int32_and_fp64_elements_are_4_and_8_bytes() {
        let years: Vec<u8> = [2018i32, 2016]
            .iter()
            .flat_map(|y| y.to_le_bytes())
            .collect();
        assert_eq!(
            elements("year", "INT32", &years).unwrap(),
            [&years[..4], &years[4..]]
        );
        let miles = 45000.5f64.to_le_bytes();
        assert_eq!(elements("mileage", "FP64", &miles).unwrap(), [&miles[..]]);
        assert_eq!(elements("year", "INT32", &[]).unwrap(), Vec::<&[u8]>::new());
    }

    #[test]
    fn a_size_that_is_not_whole_elements_is_refused() {
        let error = elements("mileage", "FP64", &[0; 12]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "input `mileage` has binary_data_size 12, not a whole number of 8-byte FP64 elements"
        );
    }

    #[test]
    fn bytes_elements_are_length_prefixed() {
        let bytes = b"\x05\x00\x00\x00sedan\x00\x00\x00\x00\x03\x00\x00\x00suv";
        assert_eq!(
            elements("type", "BYTES", bytes).unwrap(),
            [&b"sedan"[..], b"", b"suv"]
        );
    }

    #[test]
    fn a_bytes_element_longer_than_what_is_left_is_refused() {
        let error =
            elements("review", "BYTES", b"\x01\x00\x00\x00a\xff\xff\xff\xffab").unwrap_err();
        assert_eq!(
            error,
            BinaryError::ElementPastEnd {
                input: "review".into(),
                row: 1,
                length: u32::MAX,
                left: 2
            }
        );
        assert_eq!(
            elements("review", "BYTES", b"\x01\x00\x00\x00a\x01\x00").unwrap_err(),
            BinaryError::LengthCutShort {
                input: "review".into(),
                row: 1,
                left: 2
            }
        );
    }

    #[test]
    fn outputs_encode_little_endian_and_length_prefixed() {
        assert_eq!(encode(&Data::Uint32(vec![1, 256])), b"\x01\0\0\0\0\x01\0\0");
        assert_eq!(encode(&Data::Fp64(vec![0.5])), 0.5f64.to_le_bytes());
        assert_eq!(
            encode(&Data::Bytes(vec!["positive".into(), String::new()])),
            b"\x08\0\0\0positive\0\0\0\0"
        );
    }

    #[test]
    fn encoded_bytes_elements_read_back() {
        let labels = vec!["neutral".to_owned(), "négatif".to_owned()];
        let bytes = encode(&Data::Bytes(labels.clone()));
        let read: Vec<&[u8]> = elements("label", "BYTES", &bytes).unwrap();
        assert_eq!(read, [labels[0].as_bytes(), labels[1].as_bytes()]);
    }
}
