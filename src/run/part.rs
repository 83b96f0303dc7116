//! One replication's share of an output file, kept until it can be appended
//! in replication order.
//!
//! A `Part` holds its bytes in memory while they are few and spills them to
//! a part file once they pass `SPILL_BYTES`. Runs of many small replications
//! (thousands of one-job replications) thus create no file per replication:
//! creating and removing hundreds of thousands of files made the run
//! superlinear in the replications (the file system's inode allocation slows
//! as deleted inodes pile up). Memory stays bounded: a part spills past
//! `SPILL_BYTES`, and only replications finished ahead of the next one to
//! join (about one per thread) wait in memory.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

/// Past this many bytes a part moves from memory to its part file.
pub const SPILL_BYTES: usize = 1 << 20;

/// Bytes of one replication for one output file.
pub struct Part {
    storage: Storage,
    /// The part file, used once the part spills.
    path: PathBuf,
    /// Bytes written.
    len: u64,
}

enum Storage {
    Memory(Vec<u8>),
    File(BufWriter<File>),
}

impl Part {
    /// An empty part that spills to `path` when it grows.
    pub fn new(path: PathBuf) -> Part {
        Part {
            storage: Storage::Memory(Vec::new()),
            path,
            len: 0,
        }
    }

    /// Bytes written to the part.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Appends every byte of the part to `out`, removing the part file if it
    /// spilled.
    pub fn append_to(self, out: &mut impl Write) -> io::Result<()> {
        match self.storage {
            Storage::Memory(bytes) => out.write_all(&bytes),
            Storage::File(writer) => {
                let mut file = writer
                    .into_inner()
                    .map_err(io::IntoInnerError::into_error)?;
                file.rewind()?;
                io::copy(&mut file, out)?;
                drop(file);
                fs::remove_file(&self.path)
            }
        }
    }

    /// Makes the part the file `target` (the first replication's part
    /// becomes the final file: renamed when it spilled, so a large single
    /// replication is never copied), open for appending the next parts.
    pub fn into_file(self, target: &Path) -> io::Result<File> {
        match self.storage {
            Storage::Memory(bytes) => {
                let mut file = File::create(target)?;
                file.write_all(&bytes)?;
                Ok(file)
            }
            Storage::File(writer) => {
                let file = writer
                    .into_inner()
                    .map_err(io::IntoInnerError::into_error)?;
                fs::rename(&self.path, target)?;
                Ok(file)
            }
        }
    }

    fn spill(&mut self, bytes: &[u8]) -> io::Result<()> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&self.path)?;
        let mut writer = BufWriter::with_capacity(1 << 16, file);
        writer.write_all(bytes)?;
        self.storage = Storage::File(writer);
        Ok(())
    }
}

impl Write for Part {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let written = match &mut self.storage {
            Storage::Memory(bytes) if bytes.len() + data.len() <= SPILL_BYTES => {
                bytes.extend_from_slice(data);
                data.len()
            }
            Storage::Memory(bytes) => {
                let mut held = std::mem::take(bytes);
                held.extend_from_slice(data);
                self.spill(&held)?;
                data.len()
            }
            Storage::File(writer) => writer.write(data)?,
        };
        self.len += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.storage {
            Storage::Memory(_) => Ok(()),
            Storage::File(writer) => writer.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_parts_stay_in_memory_and_large_ones_spill_and_clean_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.csv.part1");

        let mut small = Part::new(path.clone());
        small.write_all(b"a,b\n").unwrap();
        assert!(!path.exists(), "a small part makes no file");
        assert_eq!(small.len(), 4);
        let mut out = Vec::new();
        small.append_to(&mut out).unwrap();
        assert_eq!(out, b"a,b\n");

        let line = vec![b'x'; 1000];
        let lines = SPILL_BYTES / line.len() + 2;
        let mut large = Part::new(path.clone());
        for _ in 0..lines {
            large.write_all(&line).unwrap();
        }
        assert!(path.exists(), "a large part spills");
        assert_eq!(large.len() as usize, lines * line.len());
        let mut out = Vec::new();
        large.append_to(&mut out).unwrap();
        assert_eq!(out.len(), lines * line.len());
        assert!(out.iter().all(|&byte| byte == b'x'));
        assert!(!path.exists(), "the part file is removed once appended");

        let target = dir.path().join("jobs.csv");
        let mut first = Part::new(path.clone());
        for _ in 0..lines {
            first.write_all(&line).unwrap();
        }
        let mut file = first.into_file(&target).unwrap();
        assert!(!path.exists(), "a spilled first part is renamed");
        file.write_all(b"more").unwrap();
        drop(file);
        assert_eq!(
            fs::metadata(&target).unwrap().len() as usize,
            lines * line.len() + 4
        );
    }
}
