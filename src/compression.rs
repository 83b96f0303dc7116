//! zstd frames written so that the same bytes in give the same file out
//! (`--compress zstd`).
//!
//! `ZstdWriter` writes one zstd frame, with a content checksum as the zstd
//! tool writes it. Its bytes depend only on the bytes written and the level:
//!
//! - the frame is compressed by zstd's worker threads (`Workers::Pool`): the
//!   caller's thread only hands the data over, so the engine goes on while
//!   another core compresses, and zstd's multithreaded format depends on the
//!   job size its level sets, never on the number of workers;
//! - `flush` does not end a zstd block (only `finish` ends the frame), so
//!   where the writers of rows happen to flush changes nothing;
//! - how the bytes are cut into `write` calls changes nothing (zstd buffers
//!   them into blocks of its own).
//!
//! `Workers::Caller` compresses on the calling thread instead, for the many
//! small frames of a shard's replications (each replication already has a
//! thread of its own); its format differs from the pool's, so a file is
//! always written by one kind.
//!
//! One frame per file, not one per replication: pandas reads `.zst` through
//! python-zstandard, whose readers stop at the end of the first frame.

use std::io::{self, Read, Write};

/// Who compresses a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workers {
    /// zstd's worker threads, as many as the machine has cores.
    Pool,
    /// The thread that writes.
    Caller,
}

/// One zstd frame being written to `W`.
pub struct ZstdWriter<W: Write> {
    encoder: zstd::stream::write::Encoder<'static, W>,
}

impl<W: Write> ZstdWriter<W> {
    /// Starts a frame at `level` (1 to 19) on `out`.
    pub fn new(out: W, level: i32, workers: Workers) -> io::Result<ZstdWriter<W>> {
        let threads = match workers {
            Workers::Pool => {
                let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
                u32::try_from(cores).unwrap_or(u32::MAX).max(1)
            }
            Workers::Caller => 0,
        };
        ZstdWriter::with_threads(out, level, threads)
    }

    /// `threads` of zstd's own (0: the caller's thread).
    fn with_threads(out: W, level: i32, threads: u32) -> io::Result<ZstdWriter<W>> {
        let mut encoder = zstd::stream::write::Encoder::new(out, level)?;
        encoder.include_checksum(true)?;
        if threads > 0 {
            encoder.multithread(threads)?;
        }
        Ok(ZstdWriter { encoder })
    }

    /// Ends the frame and hands back the writer (not flushed).
    pub fn finish(self) -> io::Result<W> {
        self.encoder.finish()
    }
}

impl<W: Write> Write for ZstdWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.encoder.write(data)
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.encoder.write_all(data)
    }

    /// Does nothing: a zstd flush would end a block here and make the bytes
    /// depend on when writers flush. `finish` writes everything.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Reads what the zstd frames of `compressed` hold (every frame, one after
/// the other).
pub fn decoder<R: Read>(compressed: R) -> io::Result<impl Read> {
    zstd::stream::read::Decoder::new(compressed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows like those of a run: repetitive, but not all alike.
    fn sample(lines: usize) -> Vec<u8> {
        let mut data = Vec::new();
        for line in 0..lines {
            let _ = writeln!(
                data,
                "{},job-{:06},Import,{},completed,2026-01-{:02}T00:00:00.000Z,{:.6}",
                line % 7,
                line,
                line % 10 + 1,
                line % 28 + 1,
                line as f64 * 0.37
            );
        }
        data
    }

    fn compress(data: &[u8], level: i32, workers: Workers, chunk: usize) -> Vec<u8> {
        let mut writer = ZstdWriter::new(Vec::new(), level, workers).unwrap();
        for piece in data.chunks(chunk) {
            writer.write_all(piece).unwrap();
            // Writers flush at the end of each replication: it must not show.
            writer.flush().unwrap();
        }
        writer.finish().unwrap()
    }

    #[test]
    fn the_same_bytes_give_the_same_frame_however_they_are_written() {
        // Several MB, so the pool cuts the frame into several jobs.
        let data = sample(130_000);
        assert!(data.len() > 8 << 20, "{} bytes", data.len());
        let pool = compress(&data, 1, Workers::Pool, 1 << 16);
        assert_eq!(pool, compress(&data, 1, Workers::Pool, 1_000_003));
        assert_eq!(pool, compress(&data, 1, Workers::Pool, 517));
        for threads in [1, 2, 5] {
            let mut writer = ZstdWriter::with_threads(Vec::new(), 1, threads).unwrap();
            writer.write_all(&data).unwrap();
            assert!(
                writer.finish().unwrap() == pool,
                "{threads} workers make other bytes"
            );
        }
        let caller = compress(&data, 1, Workers::Caller, 4096);
        assert_eq!(caller, compress(&data, 1, Workers::Caller, 99_991));
        assert!(
            pool.len() < data.len() / 3,
            "{} of {}",
            pool.len(),
            data.len()
        );

        for frame in [&pool, &caller] {
            let mut back = Vec::new();
            decoder(&frame[..]).unwrap().read_to_end(&mut back).unwrap();
            assert!(back == data, "a frame decodes to what was written");
        }
    }

    #[test]
    fn concatenated_frames_decode_to_the_concatenation() {
        let first = compress(b"replication,job\n0,a\n", 1, Workers::Caller, 7);
        let second = compress(b"1,b\n", 1, Workers::Caller, 7);
        let mut back = Vec::new();
        decoder(&[first, second].concat()[..])
            .unwrap()
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, b"replication,job\n0,a\n1,b\n");
    }
}
