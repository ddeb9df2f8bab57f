//! The model blob: named tensors in one little-endian byte string, each at a
//! multiple of 64 bytes, so that `f32` and `i8` tensors are read in place.
//!
//! Layout: `MINILMQ1`, `u32` format (1), `u32` tensor count, then per tensor
//! a 48-byte entry (name: 32 bytes, NUL-padded; kind `u32`: 0 `f32`, 1 `i8`,
//! 2 `u32`, 3 bytes; offset `u32`; element count `u32`; 0 `u32`), then the
//! data.

use std::fmt;

const MAGIC: &[u8; 8] = b"MINILMQ1";
const ENTRY: usize = 48;

/// A blob's bytes, aligned so its tensors can be read in place: wrap
/// `include_bytes!` in it (`&Aligned(*include_bytes!(…))`).
#[repr(C, align(64))]
pub struct Aligned<T: ?Sized>(pub T);

/// Why a blob cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobError {
    /// Not a model blob, or a format this crate does not read.
    Format(&'static str),
    /// A tensor the model needs is missing.
    Missing(String),
    /// A tensor has another kind or size than the model needs.
    Shape {
        name: String,
        expected: usize,
        found: usize,
    },
    /// A tensor lies outside the blob or is not aligned for its kind.
    Placement(String),
}

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlobError::Format(why) => write!(f, "not a model blob: {why}"),
            BlobError::Missing(name) => write!(f, "model blob has no tensor `{name}`"),
            BlobError::Shape {
                name,
                expected,
                found,
            } => {
                write!(
                    f,
                    "tensor `{name}` has {found} elements, expected {expected}"
                )
            }
            BlobError::Placement(name) => {
                write!(f, "tensor `{name}` lies outside the blob or is misaligned")
            }
        }
    }
}

impl std::error::Error for BlobError {}

/// The kind of a tensor's elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    F32 = 0,
    I8 = 1,
    U32 = 2,
    Bytes = 3,
}

/// A parsed view of a blob: its tensor table, nothing copied.
#[derive(Clone, Copy)]
pub struct Blob<'a> {
    bytes: &'a [u8],
    count: usize,
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

impl<'a> Blob<'a> {
    /// Checks the header and the table's bounds.
    pub fn parse(bytes: &'a [u8]) -> Result<Blob<'a>, BlobError> {
        if bytes.len() < 16 || &bytes[..8] != MAGIC {
            return Err(BlobError::Format("bad magic"));
        }
        if u32_at(bytes, 8) != 1 {
            return Err(BlobError::Format("unknown format version"));
        }
        let count = u32_at(bytes, 12) as usize;
        if bytes.len() < 16 + count * ENTRY {
            return Err(BlobError::Format("truncated tensor table"));
        }
        Ok(Blob { bytes, count })
    }

    fn find(&self, name: &str) -> Result<(Kind, usize, usize), BlobError> {
        for i in 0..self.count {
            let e = &self.bytes[16 + i * ENTRY..16 + (i + 1) * ENTRY];
            let stored = &e[..32];
            let len = stored.iter().position(|&b| b == 0).unwrap_or(32);
            if &stored[..len] == name.as_bytes() {
                let kind = match u32_at(e, 32) {
                    0 => Kind::F32,
                    1 => Kind::I8,
                    2 => Kind::U32,
                    3 => Kind::Bytes,
                    _ => return Err(BlobError::Format("unknown tensor kind")),
                };
                return Ok((kind, u32_at(e, 36) as usize, u32_at(e, 40) as usize));
            }
        }
        Err(BlobError::Missing(name.to_owned()))
    }

    fn raw(&self, name: &str, kind: Kind, size: usize) -> Result<(&'a [u8], usize), BlobError> {
        let (found, offset, count) = self.find(name)?;
        if found != kind {
            return Err(BlobError::Format("tensor of another kind"));
        }
        let end = offset
            .checked_add(count * size)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| BlobError::Placement(name.to_owned()))?;
        let raw = &self.bytes[offset..end];
        if !(raw.as_ptr() as usize).is_multiple_of(size) {
            return Err(BlobError::Placement(name.to_owned()));
        }
        Ok((raw, count))
    }

    /// An `f32` tensor, in place.
    pub fn f32s(&self, name: &str) -> Result<&'a [f32], BlobError> {
        let (raw, count) = self.raw(name, Kind::F32, 4)?;
        // SAFETY: `raw` is in bounds and 4-byte aligned (checked by `raw`),
        // every bit pattern is an f32, and the target is little-endian.
        Ok(unsafe { std::slice::from_raw_parts(raw.as_ptr().cast::<f32>(), count) })
    }

    /// A `u32` tensor, in place.
    pub fn u32s(&self, name: &str) -> Result<&'a [u32], BlobError> {
        let (raw, count) = self.raw(name, Kind::U32, 4)?;
        // SAFETY: as for `f32s`.
        Ok(unsafe { std::slice::from_raw_parts(raw.as_ptr().cast::<u32>(), count) })
    }

    /// An `i8` tensor, in place.
    pub fn i8s(&self, name: &str) -> Result<&'a [i8], BlobError> {
        let (raw, count) = self.raw(name, Kind::I8, 1)?;
        // SAFETY: i8 and u8 have the same size and alignment.
        Ok(unsafe { std::slice::from_raw_parts(raw.as_ptr().cast::<i8>(), count) })
    }

    /// A byte string (a text, the vocabulary's tokens).
    pub fn bytes(&self, name: &str) -> Result<&'a [u8], BlobError> {
        Ok(self.raw(name, Kind::Bytes, 1)?.0)
    }

    /// [`Blob::f32s`] of exactly `len` elements.
    pub fn f32s_of(&self, name: &str, len: usize) -> Result<&'a [f32], BlobError> {
        sized(name, self.f32s(name)?, len)
    }

    /// [`Blob::i8s`] of exactly `len` elements.
    pub fn i8s_of(&self, name: &str, len: usize) -> Result<&'a [i8], BlobError> {
        sized(name, self.i8s(name)?, len)
    }
}

fn sized<'a, T>(name: &str, slice: &'a [T], expected: usize) -> Result<&'a [T], BlobError> {
    if slice.len() == expected {
        Ok(slice)
    } else {
        Err(BlobError::Shape {
            name: name.to_owned(),
            expected,
            found: slice.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A blob with one f32 tensor `w` = [1.5, -2] and a text `t`.
    fn tiny() -> Aligned<[u8; 192]> {
        let mut b = [0u8; 192];
        b[..8].copy_from_slice(MAGIC);
        b[8..12].copy_from_slice(&1u32.to_le_bytes());
        b[12..16].copy_from_slice(&2u32.to_le_bytes());
        let mut entry = |i: usize, name: &str, kind: u32, offset: u32, count: u32| {
            let e = &mut b[16 + i * ENTRY..16 + (i + 1) * ENTRY];
            e[..name.len()].copy_from_slice(name.as_bytes());
            e[32..36].copy_from_slice(&kind.to_le_bytes());
            e[36..40].copy_from_slice(&offset.to_le_bytes());
            e[40..44].copy_from_slice(&count.to_le_bytes());
        };
        entry(0, "w", 0, 128, 2);
        entry(1, "t", 3, 136, 2);
        b[128..132].copy_from_slice(&1.5f32.to_le_bytes());
        b[132..136].copy_from_slice(&(-2f32).to_le_bytes());
        b[136..138].copy_from_slice(b"ok");
        Aligned(b)
    }

    #[test]
    fn tensors_are_read_in_place_by_name() {
        let b = tiny();
        let blob = Blob::parse(&b.0).unwrap();
        let w = blob.f32s("w").unwrap();
        assert_eq!(w, &[1.5, -2.0]);
        assert_eq!(w.as_ptr().cast::<u8>(), b.0[128..].as_ptr());
        assert_eq!(blob.bytes("t").unwrap(), b"ok");
    }

    #[test]
    fn missing_misshapen_and_misplaced_tensors_are_errors() {
        let b = tiny();
        let blob = Blob::parse(&b.0).unwrap();
        assert_eq!(blob.f32s("v"), Err(BlobError::Missing("v".into())));
        assert!(matches!(blob.f32s_of("w", 3), Err(BlobError::Shape { .. })));
        assert_eq!(
            blob.i8s("w"),
            Err(BlobError::Format("tensor of another kind"))
        );
        assert!(Blob::parse(&b.0[..10]).is_err());
        assert!(Blob::parse(&b.0[1..]).is_err());
    }
}
