//! Opening a GGUF file and reading its metadata. Every failure here is `ENGINE_DOWN` naming the file.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use candle_core::quantized::gguf_file::{Content, Value};
use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::Device;

use crate::error::{EngineError, Result};
use crate::model::gguf_header::{self, HeaderError};

/// Reads the header into memory (the first 8 MB usually hold it; more only when the check asks) and
/// parses it with candle once `gguf_header::check` has bounded every count, length and offset in it.
/// In memory because candle asks the reader for its position around every string (the vocabulary
/// has up to 262 144), a system call each on a file. A panic in candle still becomes an error.
fn read_header(
    reader: &mut BufReader<File>,
    file_len: u64,
) -> std::result::Result<Content, String> {
    let mut want = (8u64 << 20).min(file_len);
    loop {
        let mut prefix = vec![0u8; want as usize];
        std::io::Seek::rewind(reader).map_err(|e| e.to_string())?;
        std::io::Read::read_exact(reader, &mut prefix).map_err(|e| e.to_string())?;
        match gguf_header::check(&prefix, file_len) {
            Ok(header) => {
                let mut cursor = std::io::Cursor::new(&prefix[..header.len]);
                return std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    Content::read(&mut cursor)
                }))
                .map_err(|_| "has a malformed GGUF header".to_string())?
                .map_err(|e| format!("has a malformed GGUF header ({e})"));
            }
            // check() only asks for bytes that exist in the file; at least double to bound the reads.
            Err(HeaderError::NeedMore(n)) => want = (n as u64).max(want * 2).min(file_len),
            Err(HeaderError::Bad(why)) => return Err(why),
        }
    }
}

pub struct GgufFile {
    pub path: PathBuf,
    pub content: Content,
    reader: BufReader<File>,
}

fn down(path: &Path, what: impl std::fmt::Display) -> EngineError {
    EngineError::Down(format!("Model file {}: {what}", path.display()))
}

impl GgufFile {
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => down(
                path,
                "not found. Run `npm run fetch-model`, or set SAMSARA_MODEL / configure({modelPath}) to a .gguf file.",
            ),
            _ => down(path, format_args!("cannot be opened ({e})")),
        })?;
        let meta = file.metadata().map_err(|e| down(path, e))?;
        if !meta.is_file() {
            return Err(down(path, "is not a regular file"));
        }
        let mut reader = BufReader::new(file);
        let mut magic = [0u8; 4];
        std::io::Read::read_exact(&mut reader, &mut magic)
            .map_err(|_| down(path, "is too short to be a GGUF model"))?;
        if &magic != b"GGUF" {
            return Err(down(path, "is not a GGUF model (wrong magic bytes)"));
        }
        let content = read_header(&mut reader, meta.len()).map_err(|e| down(path, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            content,
            reader,
        })
    }

    pub fn metadata(&self) -> &HashMap<String, Value> {
        &self.content.metadata
    }

    pub fn has_tensor(&self, name: &str) -> bool {
        self.content.tensor_infos.contains_key(name)
    }

    /// A tensor's type, shape (rows first, as candle gives it) and bytes as stored in the file, read
    /// straight into the buffer that keeps them (no intermediate copies: this is most of a load).
    pub fn raw_tensor(&mut self, name: &str) -> Result<(GgmlDType, Vec<usize>, Vec<u8>)> {
        let info = self
            .content
            .tensor_infos
            .get(name)
            .ok_or_else(|| down(&self.path, format_args!("tensor {name} is missing")))?;
        let (dtype, dims) = (info.ggml_dtype, info.shape.dims().to_vec());
        let elems = info.shape.elem_count();
        let block = dtype.block_size();
        if !elems.is_multiple_of(block) {
            return Err(down(
                &self.path,
                format_args!("tensor {name} has {elems} values, not whole blocks of {block}"),
            ));
        }
        // gguf_header::check() made sure the tensor lies inside the file.
        let start = self.content.tensor_data_offset.saturating_add(info.offset);
        let mut bytes = vec![0u8; elems / block * dtype.type_size()];
        std::io::Seek::seek(&mut self.reader, std::io::SeekFrom::Start(start))
            .and_then(|_| std::io::Read::read_exact(&mut self.reader, &mut bytes))
            .map_err(|e| {
                down(
                    &self.path,
                    format_args!("tensor {name} cannot be read ({e})"),
                )
            })?;
        Ok((dtype, dims, bytes))
    }

    pub fn tensor(&mut self, name: &str) -> Result<QTensor> {
        self.content
            .tensor(&mut self.reader, name, &Device::Cpu)
            .map_err(|e| down(&self.path, format_args!("tensor {name}: {e}")))
    }

    pub fn tensor_count(&self) -> usize {
        self.content.tensor_infos.len()
    }
}

/// Typed access to metadata values, with errors that say which key is wrong.
pub struct Meta<'a> {
    pub map: &'a HashMap<String, Value>,
    pub path: &'a Path,
}

impl<'a> Meta<'a> {
    fn missing(&self, key: &str) -> EngineError {
        down(
            self.path,
            format_args!("metadata key {key} is missing or has the wrong type"),
        )
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    pub fn string(&self, key: &str) -> Result<&'a str> {
        match self.map.get(key) {
            Some(Value::String(s)) => Ok(s),
            _ => Err(self.missing(key)),
        }
    }

    pub fn opt_string(&self, key: &str) -> Option<&'a str> {
        match self.map.get(key) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        }
    }

    pub fn u64(&self, key: &str) -> Result<u64> {
        self.opt_u64(key).ok_or_else(|| self.missing(key))
    }

    pub fn opt_u64(&self, key: &str) -> Option<u64> {
        match self.map.get(key)? {
            Value::U8(v) => Some(*v as u64),
            Value::U16(v) => Some(*v as u64),
            Value::U32(v) => Some(*v as u64),
            Value::U64(v) => Some(*v),
            Value::I8(v) => u64::try_from(*v).ok(),
            Value::I16(v) => u64::try_from(*v).ok(),
            Value::I32(v) => u64::try_from(*v).ok(),
            Value::I64(v) => u64::try_from(*v).ok(),
            _ => None,
        }
    }

    pub fn usize(&self, key: &str) -> Result<usize> {
        usize::try_from(self.u64(key)?).map_err(|_| self.missing(key))
    }

    pub fn opt_f32(&self, key: &str) -> Option<f32> {
        match self.map.get(key)? {
            Value::F32(v) => Some(*v),
            Value::F64(v) => Some(*v as f32),
            _ => self.opt_u64(key).map(|v| v as f32),
        }
    }

    pub fn opt_bool(&self, key: &str) -> Option<bool> {
        match self.map.get(key)? {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn string_array(&self, key: &str) -> Result<Vec<&'a str>> {
        match self.map.get(key) {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.as_str()),
                    _ => Err(self.missing(key)),
                })
                .collect(),
            _ => Err(self.missing(key)),
        }
    }

    /// An array of numbers, each converted by `item` (None for a value of another type, or one that
    /// does not fit): `opt_array(key, int)`, `opt_array(key, float)`.
    pub fn opt_array<T>(&self, key: &str, item: fn(&Value) -> Option<T>) -> Option<Vec<T>> {
        match self.map.get(key)? {
            Value::Array(items) => items.iter().map(item).collect(),
            _ => None,
        }
    }
}

/// An integer metadata value as i32.
pub fn int(v: &Value) -> Option<i32> {
    match v {
        Value::I32(x) => Some(*x),
        Value::U32(x) => i32::try_from(*x).ok(),
        Value::I8(x) => Some(*x as i32),
        Value::U8(x) => Some(*x as i32),
        _ => None,
    }
}

/// A floating-point metadata value as f32.
pub fn float(v: &Value) -> Option<f32> {
    match v {
        Value::F32(x) => Some(*x),
        Value::F64(x) => Some(*x as f32),
        _ => None,
    }
}
