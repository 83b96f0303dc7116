//! Output directories that appear whole or not at all (README, Exit codes).
//!
//! `write_staged` fills a staging directory beside the target
//! (`.<name>.tmp-<pid>`) and renames it onto the target only when everything
//! was written, so a failed or interrupted command never leaves a directory
//! that looks complete. A target that exists is replaced only when it is
//! empty or holds the marker file an earlier output of the same command
//! leaves (`run.json`, `sweep.csv`, ...): never a folder of the user's.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Why an output directory could not be put in place.
#[derive(Debug, thiserror::Error)]
pub enum OutputDirError {
    /// The target exists and does not look like an earlier output.
    #[error("refusing to replace {path}: it exists and holds no {marker} (choose another --out)")]
    TargetInUse { path: PathBuf, marker: &'static str },
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Writes the directory `target` through `write`, which fills the staging
/// directory it is given. On an error from `write` (or from the final
/// rename) the staging directory is removed and the target left as it was.
pub fn write_staged<T, E: From<OutputDirError>>(
    target: &Path,
    marker: &'static str,
    write: impl FnOnce(&Path) -> Result<T, E>,
) -> Result<T, E> {
    check_target(target, marker)?;
    let staging = staging_dir(target);
    let io_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| OutputDirError::Io { path, source }
    };
    if let Some(parent) = staging.parent() {
        fs::create_dir_all(parent).map_err(io_error(parent))?;
    }
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir(&staging).map_err(io_error(&staging))?;
    let result = write(&staging).and_then(|value| {
        move_into_place(&staging, target)?;
        Ok(value)
    });
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

/// The target may be replaced only if it is absent, empty, or holds `marker`.
fn check_target(target: &Path, marker: &'static str) -> Result<(), OutputDirError> {
    match fs::read_dir(target) {
        Ok(mut entries) => {
            if entries.next().is_none() || target.join(marker).is_file() {
                Ok(())
            } else {
                Err(OutputDirError::TargetInUse {
                    path: target.to_path_buf(),
                    marker,
                })
            }
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) if target.exists() => Err(OutputDirError::Io {
            path: target.to_path_buf(),
            source: error,
        }),
        // A parent that is not a directory: creating the staging directory reports it.
        Err(_) => Ok(()),
    }
}

/// `.<name>.tmp-<pid>` beside the target.
fn staging_dir(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_string());
    let parent = target.parent().unwrap_or(Path::new("."));
    parent.join(format!(".{name}.tmp-{}", std::process::id()))
}

/// Renames the finished staging directory onto the target, replacing an
/// earlier output.
fn move_into_place(staging: &Path, target: &Path) -> Result<(), OutputDirError> {
    let io_error = |source| OutputDirError::Io {
        path: target.to_path_buf(),
        source,
    };
    if target.exists() {
        let old = staging.with_extension("old");
        let _ = fs::remove_dir_all(&old);
        fs::rename(target, &old).map_err(io_error)?;
        fs::rename(staging, target).map_err(io_error)?;
        let _ = fs::remove_dir_all(&old);
    } else {
        fs::rename(staging, target).map_err(io_error)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum TestError {
        #[error(transparent)]
        Output(#[from] OutputDirError),
        #[error("the writer failed")]
        Failed,
    }

    #[test]
    fn a_failed_write_leaves_nothing_and_a_good_one_replaces_its_own_output() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        let failed: Result<(), TestError> = write_staged(&target, "done.txt", |dir| {
            fs::write(dir.join("half.csv"), "x").unwrap();
            Err(TestError::Failed)
        });
        assert!(matches!(failed, Err(TestError::Failed)));
        assert_eq!(
            fs::read_dir(root.path()).unwrap().count(),
            0,
            "nothing left"
        );

        for round in ["1", "2"] {
            write_staged::<_, TestError>(&target, "done.txt", |dir| {
                fs::write(dir.join("done.txt"), round).unwrap();
                Ok(())
            })
            .unwrap();
            assert_eq!(fs::read_to_string(target.join("done.txt")).unwrap(), round);
        }
        assert_eq!(
            fs::read_dir(root.path()).unwrap().count(),
            1,
            "only the target"
        );
    }

    #[test]
    fn a_folder_of_the_users_is_never_replaced() {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join("notes.txt"), "mine").unwrap();
        let result: Result<(), TestError> = write_staged(root.path(), "done.txt", |_| Ok(()));
        let Err(TestError::Output(OutputDirError::TargetInUse { marker, .. })) = result else {
            panic!("expected TargetInUse, got {result:?}");
        };
        assert_eq!(marker, "done.txt");
        assert_eq!(
            fs::read_to_string(root.path().join("notes.txt")).unwrap(),
            "mine"
        );
    }
}
