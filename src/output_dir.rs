//! Outputs that appear whole or not at all, and never clobber what is not
//! ours (README, Exit codes).
//!
//! `write_staged` fills a staging directory beside the target and renames it
//! onto the target only when everything was written; `write_file_staged`
//! does the same for one file (the call stream of `impexsim calls`). Beside a
//! target `NAME` live, for the time of one command:
//!
//! - `.NAME.lock`: an advisory lock (`File::try_lock`), so a second command
//!   writing the same target fails at once (`Busy`) instead of racing;
//! - `.NAME.tmp-PID`: the staging directory (or file);
//! - `.NAME.old-PID`: the earlier output, for the instant between the two
//!   renames that put the new one in place.
//!
//! Whoever holds the lock is the only writer of the target, so any
//! `.NAME.tmp-*` or `.NAME.old-*` it finds was left by a process that died
//! (SIGKILL, a power cut) and is removed before writing. A name that merely
//! looks similar (`.NAME.old`, a user's own backup) is never touched.
//!
//! Before anything is simulated the target is checked: it must name a
//! directory entry that can be renamed over (not `.`, `..`, `/`, a mount
//! point or the directory the command runs in), and an existing directory is
//! replaced only when it is empty or holds the marker file an earlier output
//! of the same command leaves (`run.json`, `sweep.csv`, ...): never a folder
//! of the user's. Errors name the target as the user typed it, never the
//! staging path.

use std::ffi::{OsStr, OsString};
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use crate::interrupt::{Interrupt, Interrupted};

/// Why an output could not be put in place.
#[derive(Debug, thiserror::Error)]
pub enum OutputDirError {
    /// The target directory exists and does not look like an earlier output.
    #[error("refusing to replace {path}: it exists and holds no {marker} (choose another --out)")]
    TargetInUse { path: PathBuf, marker: &'static str },
    /// The target file exists and does not look like an earlier output.
    #[error(
        "refusing to replace {path}: it exists and is not an earlier output of this command \
         (--force replaces it, or choose another --out)"
    )]
    FileInUse { path: PathBuf },
    /// The target can never be renamed over.
    #[error("cannot write {path}: {reason}")]
    NotReplaceable { path: PathBuf, reason: &'static str },
    /// Another process holds the target's lock.
    #[error(
        "cannot write {path}: another impexsim command is writing it (wait for it to finish, \
         or choose another --out)"
    )]
    Busy { path: PathBuf },
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// A directory being written: files go under `path()`, while messages name
/// them under the target the user asked for (`shown`).
#[derive(Clone, Debug)]
pub struct StagedDir {
    path: PathBuf,
    shown: PathBuf,
}

/// When `write_file_staged` may replace an existing regular file.
#[derive(Clone, Copy, Debug)]
pub enum ReplacePolicy {
    /// Always (`--force`).
    Always,
    /// Only when it is empty or starts with these bytes (an earlier output).
    IfStartsWith(&'static [u8]),
}

impl StagedDir {
    /// A directory written in place, with no staging (it is itself inside a
    /// staging directory, or a test's temporary directory).
    pub fn unstaged(path: &Path) -> StagedDir {
        StagedDir {
            path: path.to_path_buf(),
            shown: path.to_path_buf(),
        }
    }

    /// The directory as messages name it: the target.
    pub fn target(&self) -> &Path {
        &self.shown
    }

    /// Where the files really go.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file `name` in the directory, where it really goes.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// The file `name` as messages name it: under the target.
    pub fn shown(&self, name: &str) -> PathBuf {
        self.shown.join(name)
    }

    /// The subdirectory `name` (not created).
    pub fn subdir(&self, name: &str) -> StagedDir {
        StagedDir {
            path: self.path.join(name),
            shown: self.shown.join(name),
        }
    }
}

/// Writes the directory `target` through `write`, which fills the staging
/// directory it is given. On an error from `write`, an interrupt, or a
/// failed final rename, the staging directory is removed and the target left
/// as it was. The target is checked (and locked) before `write` runs.
pub fn write_staged<T, E>(
    target: &Path,
    marker: &'static str,
    interrupt: &Interrupt,
    write: impl FnOnce(&StagedDir) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<OutputDirError> + From<Interrupted>,
{
    let place = Place::new(target)?;
    let _lock = place.lock()?;
    check_dir_target(&place, marker)?;
    place.remove_stale();
    let staging = place.sibling("tmp");
    fs::create_dir(&staging).map_err(place.io_error())?;
    let dir = StagedDir {
        path: staging.clone(),
        shown: target.to_path_buf(),
    };
    let result = write(&dir).and_then(|value| {
        interrupt.check()?;
        place.move_into_place(&staging)?;
        Ok(value)
    });
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

/// Writes the file `target` through `write`, which is handed the file to
/// write and must flush whatever it buffers.
///
/// A target that exists and is not a regular file (a FIFO, a character
/// device such as `/dev/null`, a socket) is written in place, as a stream.
/// Otherwise the file is written beside the target and renamed onto it when
/// complete, like `write_staged`; an existing regular file is replaced only
/// as `replace` allows. A symbolic link to a regular file is followed.
pub fn write_file_staged<T, E>(
    target: &Path,
    replace: ReplacePolicy,
    interrupt: &Interrupt,
    write: impl FnOnce(File) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<OutputDirError> + From<Interrupted>,
{
    let io_error = |source| OutputDirError::Io {
        path: target.to_path_buf(),
        source,
    };
    let resolved = match fs::metadata(target) {
        Ok(metadata) if metadata.is_dir() => {
            return Err(OutputDirError::NotReplaceable {
                path: target.to_path_buf(),
                reason: "it is a directory",
            }
            .into());
        }
        Ok(metadata) if !metadata.is_file() => {
            let file = OpenOptions::new()
                .write(true)
                .open(target)
                .map_err(io_error)?;
            let value = write(file)?;
            interrupt.check()?;
            return Ok(value);
        }
        Ok(_) => fs::canonicalize(target).map_err(io_error)?,
        Err(_) => target.to_path_buf(),
    };
    let place = Place::new(&resolved)?;
    let place = Place {
        shown: target.to_path_buf(),
        ..place
    };
    let _lock = place.lock()?;
    check_file_target(&place, replace)?;
    place.remove_stale();
    let staging = place.sibling("tmp");
    let file = File::create(&staging).map_err(place.io_error())?;
    let result = write(file).and_then(|value| {
        interrupt.check()?;
        fs::rename(&staging, &place.target).map_err(place.io_error())?;
        Ok(value)
    });
    if result.is_err() {
        let _ = fs::remove_file(&staging);
    }
    result
}

/// A target split into its parent directory and name, with the names of
/// the files beside it that belong to it.
struct Place {
    /// The path that is renamed onto.
    target: PathBuf,
    /// The path messages name (what the user typed).
    shown: PathBuf,
    parent: PathBuf,
    name: OsString,
}

impl Place {
    /// Checks that `target` names an entry of a directory and creates that
    /// directory.
    fn new(target: &Path) -> Result<Place, OutputDirError> {
        let not_replaceable = |reason| OutputDirError::NotReplaceable {
            path: target.to_path_buf(),
            reason,
        };
        let mut components = target.components();
        let name = match components.next_back() {
            Some(Component::Normal(name)) => name.to_os_string(),
            Some(Component::CurDir | Component::ParentDir | Component::RootDir)
            | Some(Component::Prefix(_))
            | None => {
                return Err(not_replaceable(
                    "it names the current directory, a parent or a root, which cannot be \
                     replaced (name a directory to create, e.g. --out output/NAME)",
                ));
            }
        };
        let parent = components.as_path();
        let parent = if parent.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            parent.to_path_buf()
        };
        let place = Place {
            target: target.to_path_buf(),
            shown: target.to_path_buf(),
            parent,
            name,
        };
        fs::create_dir_all(&place.parent).map_err(place.io_error())?;
        if let (Ok(target), Ok(here)) = (fs::canonicalize(target), std::env::current_dir())
            && here.starts_with(&target)
        {
            return Err(not_replaceable(
                "the command runs inside it, so it cannot be replaced",
            ));
        }
        if is_mount_point(&place.target, &place.parent) {
            return Err(not_replaceable(
                "it is a mount point, so it cannot be replaced",
            ));
        }
        Ok(place)
    }

    fn io_error(&self) -> impl FnOnce(io::Error) -> OutputDirError + use<> {
        let path = self.shown.clone();
        move |source| OutputDirError::Io { path, source }
    }

    /// `.NAME.KIND-PID` beside the target.
    fn sibling(&self, kind: &str) -> PathBuf {
        let mut name = self.prefix();
        name.push(format!("{kind}-{}", std::process::id()));
        self.parent.join(name)
    }

    /// `.NAME.`
    fn prefix(&self) -> OsString {
        let mut name = OsString::from(".");
        name.push(&self.name);
        name.push(".");
        name
    }

    fn lock(&self) -> Result<TargetLock, OutputDirError> {
        let mut name = self.prefix();
        name.push("lock");
        TargetLock::acquire(self.parent.join(name), &self.shown)
    }

    /// Removes what dead processes left beside the target: `.NAME.tmp-PID`
    /// and `.NAME.old-PID`. Called with the lock held.
    fn remove_stale(&self) {
        let Ok(entries) = fs::read_dir(&self.parent) else {
            return;
        };
        let prefix = self.prefix();
        for entry in entries.flatten() {
            if !is_leftover(&entry.file_name(), &prefix) {
                continue;
            }
            let path = entry.path();
            let _ = match fs::symlink_metadata(&path) {
                Ok(metadata) if metadata.is_dir() => fs::remove_dir_all(&path),
                Ok(_) => fs::remove_file(&path),
                Err(error) => Err(error),
            };
        }
    }

    /// Renames the finished staging directory onto the target, moving an
    /// earlier output aside for the instant between the two renames.
    fn move_into_place(&self, staging: &Path) -> Result<(), OutputDirError> {
        if fs::symlink_metadata(&self.target).is_ok() {
            let old = self.sibling("old");
            fs::rename(&self.target, &old).map_err(self.io_error())?;
            if let Err(error) = fs::rename(staging, &self.target) {
                let _ = fs::rename(&old, &self.target);
                return Err(self.io_error()(error));
            }
            let _ = fs::remove_dir_all(&old);
        } else {
            fs::rename(staging, &self.target).map_err(self.io_error())?;
        }
        Ok(())
    }
}

/// `.NAME.tmp-DIGITS` or `.NAME.old-DIGITS`, for the `prefix` `.NAME.`.
fn is_leftover(file_name: &OsStr, prefix: &OsStr) -> bool {
    let Some(rest) = file_name
        .as_encoded_bytes()
        .strip_prefix(prefix.as_encoded_bytes())
    else {
        return false;
    };
    let Some(pid) = rest
        .strip_prefix(b"tmp-")
        .or_else(|| rest.strip_prefix(b"old-"))
    else {
        return false;
    };
    !pid.is_empty() && pid.iter().all(u8::is_ascii_digit)
}

/// A directory target may be replaced only if it is absent, empty, or holds
/// `marker`.
fn check_dir_target(place: &Place, marker: &'static str) -> Result<(), OutputDirError> {
    match fs::read_dir(&place.target) {
        Ok(mut entries) => {
            if entries.next().is_none() || place.target.join(marker).is_file() {
                Ok(())
            } else {
                Err(OutputDirError::TargetInUse {
                    path: place.shown.clone(),
                    marker,
                })
            }
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(place.io_error()(error)),
    }
}

/// A file target may be replaced only if it is absent or `replace` allows.
fn check_file_target(place: &Place, replace: ReplacePolicy) -> Result<(), OutputDirError> {
    let prefix = match replace {
        ReplacePolicy::Always => return Ok(()),
        ReplacePolicy::IfStartsWith(prefix) => prefix,
    };
    let mut file = match File::open(&place.target) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(place.io_error()(error)),
    };
    let mut start = Vec::with_capacity(prefix.len());
    (&mut file)
        .take(prefix.len() as u64)
        .read_to_end(&mut start)
        .map_err(place.io_error())?;
    if start.is_empty() || start == prefix {
        Ok(())
    } else {
        Err(OutputDirError::FileInUse {
            path: place.shown.clone(),
        })
    }
}

/// An advisory lock on `.NAME.lock`, released (and the file removed) on drop.
struct TargetLock {
    /// Held open for the lock; `None` where the file system has no locks.
    file: Option<File>,
    path: PathBuf,
}

impl TargetLock {
    fn acquire(path: PathBuf, shown: &Path) -> Result<TargetLock, OutputDirError> {
        let io_error = |source| OutputDirError::Io {
            path: shown.to_path_buf(),
            source,
        };
        // The holder removes the file before it lets go, so a lock taken on a
        // file that is no longer at `path` is stale: open it again. Each retry
        // follows another command's whole run, so a few are plenty.
        for _ in 0..16 {
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(io_error)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    return Err(OutputDirError::Busy {
                        path: shown.to_path_buf(),
                    });
                }
                // A file system without locks: go on unlocked, as before locks.
                Err(TryLockError::Error(error)) if error.kind() == io::ErrorKind::Unsupported => {
                    return Ok(TargetLock { file: None, path });
                }
                Err(TryLockError::Error(error)) => return Err(io_error(error)),
            }
            if is_same_file(&file, &path) {
                return Ok(TargetLock {
                    file: Some(file),
                    path,
                });
            }
        }
        Err(OutputDirError::Busy {
            path: shown.to_path_buf(),
        })
    }
}

impl Drop for TargetLock {
    fn drop(&mut self) {
        // Removed while still locked (the file closes after this body), so
        // whoever opens `path` next either waits for us or finds a new file.
        if self.file.is_some() && cfg!(unix) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Whether the open `file` is the one at `path`.
#[cfg(unix)]
fn is_same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

/// Whether the open `file` is the one at `path` (the lock file is never
/// removed here, so it always is).
#[cfg(not(unix))]
fn is_same_file(_file: &File, _path: &Path) -> bool {
    true
}

/// A directory on another device than its parent cannot be renamed.
#[cfg(unix)]
fn is_mount_point(target: &Path, parent: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (fs::symlink_metadata(target), fs::metadata(parent)) {
        (Ok(target), Ok(parent)) => target.is_dir() && target.dev() != parent.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn is_mount_point(_target: &Path, _parent: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum TestError {
        #[error(transparent)]
        Output(#[from] OutputDirError),
        #[error(transparent)]
        Interrupted(#[from] Interrupted),
        #[error("the writer failed")]
        Failed,
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_failed_write_leaves_nothing_and_a_good_one_replaces_its_own_output() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        let none = Interrupt::new();
        let failed: Result<(), TestError> = write_staged(&target, "done.txt", &none, |dir| {
            fs::write(dir.file("half.csv"), "x").unwrap();
            Err(TestError::Failed)
        });
        assert!(matches!(failed, Err(TestError::Failed)));
        assert_eq!(names(root.path()), Vec::<String>::new(), "nothing left");

        for round in ["1", "2"] {
            write_staged::<_, TestError>(&target, "done.txt", &none, |dir| {
                fs::write(dir.file("done.txt"), round).unwrap();
                Ok(())
            })
            .unwrap();
            assert_eq!(fs::read_to_string(target.join("done.txt")).unwrap(), round);
        }
        assert_eq!(names(root.path()), ["out"], "only the target");
    }

    #[test]
    fn a_folder_of_the_users_is_never_replaced() {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join("notes.txt"), "mine").unwrap();
        let result: Result<(), TestError> =
            write_staged(root.path(), "done.txt", &Interrupt::new(), |_| Ok(()));
        let Err(TestError::Output(OutputDirError::TargetInUse { marker, .. })) = result else {
            panic!("expected TargetInUse, got {result:?}");
        };
        assert_eq!(marker, "done.txt");
        assert_eq!(
            fs::read_to_string(root.path().join("notes.txt")).unwrap(),
            "mine"
        );
    }

    #[test]
    fn interrupted_write_leaves_the_target_as_it_was() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("done.txt"), "earlier").unwrap();
        let interrupt = Interrupt::new();
        let result: Result<(), TestError> = write_staged(&target, "done.txt", &interrupt, |dir| {
            fs::write(dir.file("done.txt"), "new").unwrap();
            interrupt.raise(2);
            Ok(())
        });
        assert!(
            matches!(
                result,
                Err(TestError::Interrupted(Interrupted { cause: 2 }))
            ),
            "{result:?}"
        );
        assert_eq!(names(root.path()), ["out"]);
        assert_eq!(
            fs::read_to_string(target.join("done.txt")).unwrap(),
            "earlier"
        );
    }

    #[test]
    fn stale_staging_of_dead_processes_is_removed_and_lookalikes_kept() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("results");
        for leftover in [".results.tmp-4242", ".results.old-17"] {
            fs::create_dir(root.path().join(leftover)).unwrap();
            fs::write(root.path().join(leftover).join("jobs.csv"), "x").unwrap();
        }
        fs::write(root.path().join(".results.tmp-99"), "a staged file").unwrap();
        // A user's own backups and other commands' staging are not ours.
        for mine in [
            ".results.old",
            ".results.tmp-",
            ".results.tmp-12a",
            ".other.tmp-1",
        ] {
            fs::create_dir(root.path().join(mine)).unwrap();
        }
        write_staged::<_, TestError>(&target, "done.txt", &Interrupt::new(), |dir| {
            fs::write(dir.file("done.txt"), "1").unwrap();
            Ok(())
        })
        .unwrap();
        assert_eq!(
            names(root.path()),
            [
                ".other.tmp-1",
                ".results.old",
                ".results.tmp-",
                ".results.tmp-12a",
                "results"
            ]
        );
    }

    #[test]
    fn backup_name_is_unique_so_a_users_old_folder_survives() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("results");
        let users = root.path().join(".results.old");
        fs::create_dir(&users).unwrap();
        fs::write(users.join("keep.txt"), "mine").unwrap();
        for round in ["1", "2"] {
            write_staged::<_, TestError>(&target, "done.txt", &Interrupt::new(), |dir| {
                fs::write(dir.file("done.txt"), round).unwrap();
                Ok(())
            })
            .unwrap();
        }
        assert_eq!(fs::read_to_string(users.join("keep.txt")).unwrap(), "mine");
        assert_eq!(names(root.path()), [".results.old", "results"]);
    }

    #[test]
    fn second_writer_of_one_target_fails_at_once_while_the_first_holds_it() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        let none = Interrupt::new();
        let mut inner_ran = false;
        write_staged::<_, TestError>(&target, "done.txt", &none, |dir| {
            let second: Result<(), TestError> = write_staged(&target, "done.txt", &none, |_| {
                inner_ran = true;
                Ok(())
            });
            let Err(TestError::Output(error @ OutputDirError::Busy { .. })) = second else {
                panic!("expected Busy, got {second:?}");
            };
            assert!(error.to_string().contains("another impexsim command"));
            fs::write(dir.file("done.txt"), "first").unwrap();
            Ok(())
        })
        .unwrap();
        assert!(!inner_ran, "the second writer never starts");
        assert_eq!(
            fs::read_to_string(target.join("done.txt")).unwrap(),
            "first"
        );
        assert_eq!(names(root.path()), ["out"], "the lock file is gone too");
    }

    #[test]
    fn targets_that_cannot_be_renamed_over_are_refused_before_writing() {
        let root = tempfile::tempdir().unwrap();
        for target in [
            PathBuf::from("."),
            PathBuf::from(".."),
            PathBuf::from("/"),
            root.path().join("x").join(".."),
        ] {
            let result: Result<(), TestError> =
                write_staged(&target, "done.txt", &Interrupt::new(), |_| {
                    panic!("nothing is written into {}", target.display())
                });
            let Err(TestError::Output(OutputDirError::NotReplaceable { path, .. })) = result else {
                panic!(
                    "expected NotReplaceable for {}, got {result:?}",
                    target.display()
                );
            };
            assert_eq!(path, target);
        }
    }

    #[test]
    fn unwritable_target_is_named_as_given_not_by_its_staging_path() {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join("file"), "not a directory").unwrap();
        let target = root.path().join("file").join("out");
        let result: Result<(), TestError> =
            write_staged(&target, "done.txt", &Interrupt::new(), |_| Ok(()));
        let error = result.unwrap_err().to_string();
        assert_eq!(error, format!("cannot write {}", target.display()));
    }

    #[test]
    fn file_targets_stream_to_devices_and_replace_only_earlier_outputs() {
        let root = tempfile::tempdir().unwrap();
        let none = Interrupt::new();
        let write = |text: &'static str| {
            move |mut file: File| -> Result<(), TestError> {
                io::Write::write_all(&mut file, text.as_bytes()).unwrap();
                Ok(())
            }
        };
        let earlier = ReplacePolicy::IfStartsWith(b"{\"at\"");
        let target = root.path().join("calls.jsonl");
        write_file_staged(&target, earlier, &none, write("{\"at\":1}\n")).unwrap();
        write_file_staged(&target, earlier, &none, write("{\"at\":2}\n")).unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "{\"at\":2}\n");

        let notes = root.path().join("notes.txt");
        fs::write(&notes, "mine").unwrap();
        let refused = write_file_staged(&notes, earlier, &none, write("x"));
        assert!(
            matches!(
                refused,
                Err(TestError::Output(OutputDirError::FileInUse { .. }))
            ),
            "{refused:?}"
        );
        assert_eq!(fs::read_to_string(&notes).unwrap(), "mine");
        write_file_staged(&notes, ReplacePolicy::Always, &none, write("forced")).unwrap();
        assert_eq!(fs::read_to_string(&notes).unwrap(), "forced");
        assert_eq!(names(root.path()), ["calls.jsonl", "notes.txt"]);

        if cfg!(unix) {
            // A character device is written to, never renamed over.
            write_file_staged(Path::new("/dev/null"), earlier, &none, write("x")).unwrap();
            assert!(!fs::metadata("/dev/null").unwrap().file_type().is_file());
        }
    }
}
