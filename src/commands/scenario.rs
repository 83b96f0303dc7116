//! `impexsim scenario show` and `impexsim scenario init`: the scenario a run
//! would use, as commented TOML, and a commented starter file.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use impexsim::scenario::{CommentedMode, Scenario, commented_toml};

use crate::cli::{ScenarioArgs, ScenarioCommand, ScenarioInitArgs, ScenarioShowArgs};
use crate::commands::{UsageError, load_scenario};
use crate::console::write_out;

pub fn scenario(args: ScenarioArgs) -> Result<()> {
    match args.command {
        ScenarioCommand::Show(args) => show(args),
        ScenarioCommand::Init(args) => init(args),
    }
}

fn show(args: ScenarioShowArgs) -> Result<()> {
    let scenario = load_scenario(args.scenario.as_deref(), &args.overrides)?;
    let mut values = scenario.resolved.clone();
    anchor_trace(&mut values, args.scenario.as_deref(), &args.overrides)?;
    let source = match &args.scenario {
        Some(path) => format!("the embedded baseline, then {}", path.display()),
        None => "the embedded baseline".to_string(),
    };
    let source = if args.overrides.is_empty() {
        source
    } else {
        format!(
            "{source}, then {}",
            args.overrides
                .iter()
                .map(|text| format!("--set {text}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let intro = [
        format!(
            "Scenario {:?} with every key resolved from {source}.",
            scenario.simulation.name
        ),
        "This text is itself a scenario with the same values: save it and run it".to_string(),
        "(`impexsim run FILE`), or keep only the keys a study changes; every key a".to_string(),
        "file leaves out takes the embedded baseline's value.".to_string(),
    ];
    write_out(format_args!(
        "{}",
        commented_toml(&values, CommentedMode::Resolved, &intro)
    ));
    Ok(())
}

/// A relative `arrivals.trace` is found from the folder of the file that set
/// it (the working directory for `--set`); the shown text may be read from
/// anywhere, so it names the file by its absolute path.
fn anchor_trace(values: &mut toml::Table, file: Option<&Path>, overrides: &[String]) -> Result<()> {
    let Some(toml::Value::Table(arrivals)) = values.get_mut("arrivals") else {
        return Ok(());
    };
    let Some(toml::Value::String(trace)) = arrivals.get_mut("trace") else {
        return Ok(());
    };
    let set_by_override = overrides.iter().any(|text| {
        text.split_once('=')
            .is_some_and(|(key, _)| key.trim() == "arrivals.trace")
    });
    let base = match file {
        Some(file) if !set_by_override => file.parent().map(Path::to_path_buf).unwrap_or_default(),
        Some(_) | None => PathBuf::new(),
    };
    let path = std::path::absolute(base.join(&*trace))
        .with_context(|| format!("cannot resolve the arrival trace path {trace:?}"))?;
    *trace = path.to_string_lossy().into_owned();
    Ok(())
}

fn init(args: ScenarioInitArgs) -> Result<()> {
    let path = &args.file;
    let name = path
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default();
    let intro = [
        format!(
            "A scenario for impexsim, written by `impexsim scenario init {}`.",
            path.display()
        ),
        String::new(),
        "Every key below is commented out, so this file changes nothing yet: each".to_string(),
        "key it leaves out takes the value of the embedded baseline (shown).".to_string(),
        "Uncomment and change only what your study changes, then `impexsim validate`".to_string(),
        "and `impexsim run` it. Without simulation.name the study is named after the".to_string(),
        format!("file ({name:?}), and its output goes to output/{name}/."),
    ];
    let text = commented_toml(
        &Scenario::baseline().resolved,
        CommentedMode::Starter,
        &intro,
    );
    write_new(path, text.as_bytes(), args.force)?;
    crate::console::errln!("wrote {}", path.display());
    Ok(())
}

/// Writes `bytes` to `path`: without `force` only if nothing is there (the
/// check and the creation are one step), with `force` through a temporary
/// file renamed over it. A failed write leaves no partial file behind.
fn write_new(path: &Path, bytes: &[u8], force: bool) -> Result<()> {
    if !force {
        let mut file = match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(UsageError(format!(
                    "{} already exists; pass --force to replace it",
                    path.display()
                ))
                .into());
            }
            Err(error) => {
                return Err(error).with_context(|| format!("cannot create {}", path.display()));
            }
        };
        if let Err(error) = file.write_all(bytes).and_then(|()| file.sync_all()) {
            drop(file);
            let _ = fs::remove_file(path);
            return Err(error).with_context(|| format!("cannot write {}", path.display()));
        }
        return Ok(());
    }
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staging = path.with_file_name(format!(".{file_name}.tmp-{}", std::process::id()));
    let written = fs::write(&staging, bytes).and_then(|()| fs::rename(&staging, path));
    if let Err(error) = written {
        let _ = fs::remove_file(&staging);
        return Err(error).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}
