//! `FinalFile`: an output file joined from its replications' parts, plain
//! or one zstd frame (`compression`).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use crate::compression::{Workers, ZstdWriter};
use crate::outputs::Compression;

/// Bytes buffered before a write reaches the file.
const BUFFER_BYTES: usize = 1 << 16;

/// A row file being written in replication order.
pub enum FinalFile {
    Plain(BufWriter<File>),
    /// One frame for the whole file, compressed by zstd's worker threads.
    Zstd(ZstdWriter<BufWriter<File>>),
}

impl FinalFile {
    /// Creates `path`, compressed as `compression` says.
    pub fn create(path: &Path, compression: Compression) -> io::Result<FinalFile> {
        let file = BufWriter::with_capacity(BUFFER_BYTES, File::create(path)?);
        match compression {
            Compression::None => Ok(FinalFile::Plain(file)),
            Compression::Zstd { level } => Ok(FinalFile::Zstd(ZstdWriter::new(
                file,
                level,
                Workers::Pool,
            )?)),
        }
    }

    /// A plain file already open (a first part made the file).
    pub fn plain(file: File) -> FinalFile {
        FinalFile::Plain(BufWriter::with_capacity(BUFFER_BYTES, file))
    }

    /// Ends the frame (when compressed) and flushes everything to the file.
    /// Flushed, not synced: the rename makes the directory appear whole, and
    /// an fsync of every file would cost more than the run on a large output.
    pub fn finish(self) -> io::Result<()> {
        let mut file = match self {
            FinalFile::Plain(file) => file,
            FinalFile::Zstd(writer) => writer.finish()?,
        };
        file.flush()
    }
}

impl Write for FinalFile {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match self {
            FinalFile::Plain(file) => file.write(data),
            FinalFile::Zstd(writer) => writer.write(data),
        }
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            FinalFile::Plain(file) => file.write_all(data),
            FinalFile::Zstd(writer) => writer.write_all(data),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            FinalFile::Plain(file) => file.flush(),
            FinalFile::Zstd(writer) => writer.flush(),
        }
    }
}
