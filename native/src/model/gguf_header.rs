//! Checks a GGUF header before candle parses it: every count, length, type, shape and offset is
//! bounded by the file's real size and by limits far above any real model, so a hostile or broken
//! file (a tensor count or string length of 2^60, offsets past the end, shapes whose size overflows)
//! is refused with a message instead of a huge allocation, an overflow or a panic. It also finds the
//! header's exact length, so the caller reads exactly that much into memory.

use candle_core::quantized::GgmlDType;

/// Far above real models (Gemma-3: ~340 tensors, ~40 keys, a 262 144-token vocabulary).
const MAX_TENSORS: u64 = 1 << 16;
const MAX_KEYS: u64 = 1 << 16;
const MAX_NAME_BYTES: u64 = 1 << 16;
const MAX_STRING_BYTES: u64 = 1 << 24;
const MAX_ARRAY_ITEMS: u64 = 1 << 24;
const MAX_TENSOR_VALUES: u64 = 1 << 40;
const MAX_ALIGNMENT: u64 = 1 << 16;

#[derive(Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// The prefix given ends inside the header; the whole header needs at least this many bytes.
    NeedMore(usize),
    /// The header is not acceptable; the message says why (it goes after "Model file X ").
    Bad(String),
}

#[derive(Debug, PartialEq, Eq)]
pub struct Header {
    /// Bytes from the start of the file to the end of the tensor table.
    pub len: usize,
    pub tensors: usize,
    pub keys: usize,
}

/// The tensor types the engine reads (each checked against llama.cpp in native/tests/tiny_models.rs;
/// electron/models/gguf-header.ts has the same list, tied by a test). A file with any other type is
/// refused, naming the type and the tensor.
pub const SUPPORTED_TYPES: [&str; 10] = [
    "F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q4_K", "Q5_K", "Q6_K",
];

/// ggml's name of a tensor type id (ggml.h, enum ggml_type; the gaps are removed types).
fn type_name(id: u32) -> Option<&'static str> {
    const NAMES: [&str; 40] = [
        "F32", "F16", "Q4_0", "Q4_1", "", "", "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q2_K", "Q3_K",
        "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S",
        "IQ2_S", "IQ4_XS", "I8", "I16", "I32", "I64", "F64", "IQ1_M", "BF16", "", "", "", "TQ1_0",
        "TQ2_0", "", "", "", "MXFP4",
    ];
    NAMES
        .get(id as usize)
        .copied()
        .filter(|name| !name.is_empty())
}

/// The name of a type the engine reads, as llama.cpp and the model's file name spell it ("Q4_K").
pub fn dtype_name(t: GgmlDType) -> &'static str {
    match t {
        GgmlDType::F32 => "F32",
        GgmlDType::F16 => "F16",
        GgmlDType::BF16 => "BF16",
        GgmlDType::Q4_0 => "Q4_0",
        GgmlDType::Q4_1 => "Q4_1",
        GgmlDType::Q5_0 => "Q5_0",
        GgmlDType::Q5_1 => "Q5_1",
        GgmlDType::Q8_0 => "Q8_0",
        GgmlDType::Q8_1 => "Q8_1",
        GgmlDType::Q2K => "Q2_K",
        GgmlDType::Q3K => "Q3_K",
        GgmlDType::Q4K => "Q4_K",
        GgmlDType::Q5K => "Q5_K",
        GgmlDType::Q6K => "Q6_K",
        GgmlDType::Q8K => "Q8_K",
    }
}

/// The supported tensor types by their GGUF id, as candle's types (block size and bytes per block).
fn dtype(id: u32) -> Option<GgmlDType> {
    Some(match id {
        0 => GgmlDType::F32,
        1 => GgmlDType::F16,
        2 => GgmlDType::Q4_0,
        3 => GgmlDType::Q4_1,
        6 => GgmlDType::Q5_0,
        8 => GgmlDType::Q8_0,
        12 => GgmlDType::Q4K,
        13 => GgmlDType::Q5K,
        14 => GgmlDType::Q6K,
        30 => GgmlDType::BF16,
        _ => return None,
    })
}

struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    file_len: u64,
}

type R<T> = std::result::Result<T, HeaderError>;

fn bad<T>(msg: impl Into<String>) -> R<T> {
    Err(HeaderError::Bad(msg.into()))
}

impl<'a> Cursor<'a> {
    /// Bytes left in the file after the cursor (not only in the prefix).
    fn left(&self) -> u64 {
        self.file_len.saturating_sub(self.pos as u64)
    }

    fn take(&mut self, n: u64, what: &str) -> R<&'a [u8]> {
        if n > self.left() {
            return bad(format!("is truncated: its header ends inside {what}"));
        }
        // Inside the file: ask for a longer prefix when this one ends first.
        let end = self.pos as u64 + n;
        if end > self.buf.len() as u64 {
            return Err(HeaderError::NeedMore(
                usize::try_from(end).unwrap_or(usize::MAX),
            ));
        }
        let s = &self.buf[self.pos..end as usize];
        self.pos = end as usize;
        Ok(s)
    }

    fn u32(&mut self, what: &str) -> R<u32> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self, what: &str) -> R<u64> {
        let b = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    fn string(&mut self, max: u64, what: &str) -> R<&'a [u8]> {
        let len = self.u64(what)?;
        if len > max {
            return bad(format!(
                "has a header string of {len} bytes in {what} (at most {max})"
            ));
        }
        self.take(len, what)
    }

    /// Skips one metadata value of type `ty`; returns a small integer value when it is one (the
    /// alignment needs it).
    fn value(&mut self, ty: u32, depth: u32, key: &str) -> R<Option<u64>> {
        let fixed = |ty| match ty {
            0 | 1 | 7 => Some(1u64),
            2 | 3 => Some(2),
            4..=6 => Some(4),
            10..=12 => Some(8),
            _ => None,
        };
        match ty {
            8 => {
                self.string(MAX_STRING_BYTES, key)?;
                Ok(None)
            }
            9 => {
                if depth > 0 {
                    return bad(format!("has nested arrays in metadata {key}"));
                }
                let item = self.u32(key)?;
                let n = self.u64(key)?;
                if n > MAX_ARRAY_ITEMS {
                    return bad(format!("has an array of {n} items in metadata {key}"));
                }
                match (item, fixed(item)) {
                    (_, Some(size)) => {
                        // n * size fits: n <= 2^24, size <= 8.
                        let bytes = self.take(n * size, key)?;
                        if item == 7 && bytes.iter().any(|&b| b > 1) {
                            return bad(format!("has a boolean that is neither 0 nor 1 in {key}"));
                        }
                    }
                    (8, None) => {
                        // Each string needs at least its 8-byte length.
                        if n.saturating_mul(8) > self.left() {
                            return bad(format!(
                                "is truncated: metadata {key} declares {n} strings"
                            ));
                        }
                        for _ in 0..n {
                            self.string(MAX_STRING_BYTES, key)?;
                        }
                    }
                    _ => return bad(format!("has an array of unknown type {item} in {key}")),
                }
                Ok(None)
            }
            _ => {
                let Some(size) = fixed(ty) else {
                    return bad(format!(
                        "has a value of unknown type {ty} in metadata {key}"
                    ));
                };
                let b = self.take(size, key)?;
                if ty == 7 && b[0] > 1 {
                    return bad(format!("has a boolean that is neither 0 nor 1 in {key}"));
                }
                let mut a = [0u8; 8];
                a[..b.len()].copy_from_slice(b);
                // Signed types: a negative value is no alignment.
                let v = u64::from_le_bytes(a);
                let negative = matches!(ty, 1 | 3 | 5 | 11) && b[b.len() - 1] & 0x80 != 0;
                Ok((!negative && matches!(ty, 0..=5 | 10 | 11)).then_some(v))
            }
        }
    }
}

/// A key or name as candle will read it (trailing NULs dropped, invalid UTF-8 replaced), so that
/// "general.alignment\0" is checked as the alignment it becomes (found by fuzzing).
fn as_candle_reads(bytes: &[u8]) -> String {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// Checks the header in `prefix` (the first bytes of a file of `file_len` bytes, which must start
/// with the magic "GGUF").
pub fn check(prefix: &[u8], file_len: u64) -> std::result::Result<Header, HeaderError> {
    let mut c = Cursor {
        buf: prefix,
        pos: 0,
        file_len,
    };
    if c.take(4, "the magic")? != b"GGUF" {
        return bad("is not a GGUF model (wrong magic bytes)");
    }
    let version = c.u32("the version")?;
    if !(2..=3).contains(&version) {
        return bad(format!(
            "has GGUF version {version}; versions 2 and 3 are supported"
        ));
    }
    let tensors = c.u64("the tensor count")?;
    let keys = c.u64("the metadata count")?;
    if tensors > MAX_TENSORS || keys > MAX_KEYS {
        return bad(format!(
            "declares {tensors} tensors and {keys} metadata keys (at most {MAX_TENSORS} each)"
        ));
    }

    let mut alignment = 32u64;
    for _ in 0..keys {
        let key = as_candle_reads(c.string(MAX_NAME_BYTES, "a metadata key")?);
        let ty = c.u32(&key)?;
        let v = c.value(ty, 0, &key)?;
        if key == "general.alignment" {
            match v {
                Some(a) if a.is_power_of_two() && a <= MAX_ALIGNMENT => alignment = a,
                _ => return bad("has an invalid general.alignment (a power of two up to 65536)"),
            }
        }
    }

    let mut names = std::collections::HashSet::new();
    let mut infos = Vec::with_capacity(tensors as usize);
    for _ in 0..tensors {
        let name = as_candle_reads(c.string(MAX_NAME_BYTES, "a tensor name")?);
        let dims = c.u32(&name)?;
        if !(1..=4).contains(&dims) {
            return bad(format!("tensor {name} has {dims} dimensions (1 to 4)"));
        }
        let mut values = 1u64;
        for _ in 0..dims {
            let d = c.u64(&name)?;
            values = values.saturating_mul(d);
        }
        if values == 0 || values > MAX_TENSOR_VALUES {
            return bad(format!("tensor {name} has an impossible shape"));
        }
        let id = c.u32(&name)?;
        let Some(ty) = dtype(id) else {
            let what = type_name(id).map_or(format!("type {id}"), str::to_string);
            return bad(format!(
                "has tensor {name} in {what}, a weight type the engine does not read (supported: {})",
                SUPPORTED_TYPES.join(", ")
            ));
        };
        let offset = c.u64(&name)?;
        let block = ty.block_size() as u64;
        if !values.is_multiple_of(block) {
            return bad(format!(
                "tensor {name} has {values} values, not whole blocks of {block}"
            ));
        }
        // <= 2^40 values * at most 34 bytes per value: no overflow.
        let bytes = values / block * ty.type_size() as u64;
        if !offset.is_multiple_of(alignment) {
            return bad(format!("tensor {name} is not aligned to {alignment} bytes"));
        }
        if !names.insert(name.clone()) {
            return bad(format!("names tensor {name} twice"));
        }
        infos.push((name, offset, bytes));
    }

    let len = c.pos as u64;
    let data_start = len.div_ceil(alignment) * alignment;
    for (name, offset, bytes) in infos {
        let end = data_start.saturating_add(offset).saturating_add(bytes);
        if end > file_len {
            return bad(format!(
                "is truncated: tensor {name} ends at byte {end} but the file has {file_len} bytes"
            ));
        }
    }
    Ok(Header {
        len: c.pos,
        tensors: tensors as usize,
        keys: keys as usize,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small valid header: one key, one F32 tensor of 8 values, then its data.
    fn tiny(tensor_count: u64, string_len: Option<u64>, offset: u64) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(b"GGUF");
        b.extend_from_slice(&3u32.to_le_bytes());
        b.extend_from_slice(&tensor_count.to_le_bytes());
        b.extend_from_slice(&1u64.to_le_bytes());
        let key = b"general.name";
        b.extend_from_slice(&(key.len() as u64).to_le_bytes());
        b.extend_from_slice(key);
        b.extend_from_slice(&8u32.to_le_bytes());
        b.extend_from_slice(&string_len.unwrap_or(4).to_le_bytes());
        b.extend_from_slice(b"tiny");
        let name = b"w";
        b.extend_from_slice(&(name.len() as u64).to_le_bytes());
        b.extend_from_slice(name);
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&8u64.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&offset.to_le_bytes());
        while b.len() % 32 != 0 {
            b.push(0);
        }
        b.extend_from_slice(&[0u8; 32]);
        b
    }

    #[test]
    fn a_valid_header_is_measured() {
        let b = tiny(1, None, 0);
        let h = check(&b, b.len() as u64).expect("valid");
        assert_eq!((h.tensors, h.keys), (1, 1));
        assert!(h.len < b.len() && h.len > 60);
        // A short prefix asks for more; the full one is then enough.
        assert!(matches!(
            check(&b[..20], b.len() as u64),
            Err(HeaderError::NeedMore(_))
        ));
    }

    #[test]
    fn absurd_values_are_refused_without_allocating() {
        let huge = 1u64 << 60;
        for (b, why) in [
            (tiny(huge, None, 0), "tensors"),
            (tiny(1, Some(huge), 0), "string"),
            (tiny(1, None, huge), "truncated"),
            (tiny(1, None, 3), "aligned"),
        ] {
            match check(&b, b.len() as u64) {
                Err(HeaderError::Bad(m)) => assert!(m.contains(why), "{m}"),
                other => panic!("{why}: {other:?}"),
            }
        }
        let mut wrong = tiny(1, None, 0);
        wrong[4] = 9;
        assert!(matches!(check(&wrong, 200), Err(HeaderError::Bad(m)) if m.contains("version")));
    }
}
