//! `PartWriter`: where one replication writes its rows of one file, and how
//! many bytes it wrote.
//!
//! - `held`: into a `Part`, appended to the final file once every earlier
//!   replication is (plain files, and every replication but the first of a
//!   compressed run);
//! - `frame`: into a zstd frame of its own, held in a `Part` (a shard's
//!   compressed files: `merge` takes them apart replication by replication);
//! - `final_file`: straight into the final file (the first replication of a
//!   compressed run, so a large single replication is never held).

use std::io::{self, Write};

use crate::compression::{Workers, ZstdWriter};

use super::final_file::FinalFile;
use super::part::Part;

/// One replication's rows of one file, on their way.
pub struct PartWriter {
    /// Bytes written, before compression.
    bytes: u64,
    target: Target,
}

enum Target {
    Held(Part),
    Frame(ZstdWriter<Part>),
    Final(FinalFile),
}

/// A finished `PartWriter`.
pub struct WrittenPart {
    pub output: WrittenOutput,
    /// Bytes written, before compression.
    pub bytes: u64,
    /// Bytes held in the part (compressed when it is a frame); 0 when written
    /// to the final file.
    pub stored: u64,
}

/// Where a finished part's bytes are.
pub enum WrittenOutput {
    /// In a part, to append to the final file (or make it, for the first).
    Held(Part),
    /// Already in the final file, which goes on with the next replication.
    Final(FinalFile),
}

impl PartWriter {
    pub fn held(part: Part) -> PartWriter {
        PartWriter {
            bytes: 0,
            target: Target::Held(part),
        }
    }

    /// A zstd frame of its own at `level`, compressed on the writing thread.
    pub fn frame(part: Part, level: i32) -> io::Result<PartWriter> {
        Ok(PartWriter {
            bytes: 0,
            target: Target::Frame(ZstdWriter::new(part, level, Workers::Caller)?),
        })
    }

    pub fn final_file(file: FinalFile) -> PartWriter {
        PartWriter {
            bytes: 0,
            target: Target::Final(file),
        }
    }

    /// Ends a frame; hands back where the bytes are.
    pub fn finish(self) -> io::Result<WrittenPart> {
        let (output, stored) = match self.target {
            Target::Held(mut part) => {
                part.flush()?;
                let stored = part.len();
                (WrittenOutput::Held(part), stored)
            }
            Target::Frame(writer) => {
                let mut part = writer.finish()?;
                part.flush()?;
                let stored = part.len();
                (WrittenOutput::Held(part), stored)
            }
            Target::Final(file) => (WrittenOutput::Final(file), 0),
        };
        Ok(WrittenPart {
            output,
            bytes: self.bytes,
            stored,
        })
    }
}

impl Write for PartWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let written = match &mut self.target {
            Target::Held(part) => part.write(data)?,
            Target::Frame(writer) => writer.write(data)?,
            Target::Final(file) => file.write(data)?,
        };
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.target {
            Target::Held(part) => part.flush(),
            Target::Frame(writer) => writer.flush(),
            Target::Final(file) => file.flush(),
        }
    }
}
