//! `impexsim scenario show` and `impexsim scenario init`: the scenario a run
//! uses, as commented TOML that loads back to the same values, and a
//! commented starter file.

use std::fs;
use std::path::Path;

use tempfile::TempDir;

use crate::{data, data_arg, impexsim, invoke_ok, read_dir_bytes};

/// `impexsim scenario show ARGS` on standard output; asserts success.
fn show(args: &[&str], cwd: &Path) -> String {
    let output = impexsim()
        .current_dir(cwd)
        .args(["scenario", "show"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "scenario show {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The lines that are not comments: the values themselves.
fn values(text: &str) -> Vec<&str> {
    text.lines().filter(|line| !line.starts_with('#')).collect()
}

/// Issue 10: the embedded default could not be seen. `scenario show` prints
/// every key with its meaning, unit and allowed values, and what it prints is
/// a scenario giving the same values: shown again it gives the same keys and
/// values, and run it gives byte-identical CSV files.
#[test]
fn scenario_show_prints_a_scenario_with_the_same_values() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let baseline = show(&[], root);
    for needle in [
        "[simulation]\n",
        "[policy]\n",
        "creating_timeout = \"14d\"\n",
        "# Allowed: a probability, within [0, 1].\n",
        "# Allowed: a duration, longer than 0.\n",
        "# count = 5000\n",
    ] {
        assert!(
            baseline.contains(needle),
            "{needle:?} missing from\n{baseline}"
        );
    }
    // Every key line follows its comment, which ends with what is allowed.
    let lines: Vec<&str> = baseline.lines().collect();
    for (index, line) in lines.iter().enumerate() {
        if !line.starts_with('#') && line.contains(" = ") {
            let comment: Vec<&str> = lines[..index]
                .iter()
                .rev()
                .take_while(|line| line.starts_with("# "))
                .copied()
                .collect();
            assert!(
                comment.iter().any(|line| line.starts_with("# Allowed: ")) && comment.len() >= 2,
                "{line} lacks its comment"
            );
        }
    }

    let scenario = data_arg("reps_small.toml");
    let overrides = [
        "--set",
        "customer.ship_delay={ dist = \"triangular\", min = \"1d\", mode = \"2d\", max = \"6d\" }",
        "--set",
        "datacenter.copy_lag.max=5d",
        "--set",
        "policy.cancellable_states=[\"Creating\"]",
    ];
    let mut args = vec![scenario.as_str()];
    args.extend_from_slice(&overrides);
    let shown = show(&args, root);
    assert!(shown.contains("name = \"reps_small\"\n"), "{shown}");
    assert!(shown.contains("copy_stations = 30\n"), "{shown}");
    assert!(
        shown.contains("copy_lag = { dist = \"uniform\", min = \"2d\", max = \"5d\" }\n"),
        "{shown}"
    );

    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("shown.toml");
    fs::write(&file, &shown).unwrap();
    let file_arg = file.to_str().unwrap();
    assert_eq!(values(&show(&[file_arg], root)), values(&shown));

    let original = invoke_ok(&[&["run"], &args[..]].concat());
    let again = invoke_ok(&["run", file_arg]);
    let (original, again) = (read_dir_bytes(&original.dir), read_dir_bytes(&again.dir));
    for name in ["jobs.csv", "drives.csv", "summary.csv", "timeseries.csv"] {
        assert!(original[name] == again[name], "{name} differs");
    }
}

/// A relative arrival trace is found from the scenario file's folder; the
/// shown text names it so that it loads from anywhere.
#[test]
fn scenario_show_keeps_a_relative_trace_reachable() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shown = show(&[&data_arg("trace_arrivals.toml")], root);
    let tmp = TempDir::new().unwrap();
    fs::write(tmp.path().join("shown.toml"), &shown).unwrap();
    let output = impexsim()
        .current_dir(tmp.path())
        .args(["validate", "shown.toml"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}\n{shown}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        values(&show(&["shown.toml"], tmp.path())),
        values(&shown),
        "the trace path changed on a second show"
    );
}

#[test]
fn scenario_show_of_a_bad_scenario_is_bad_input() {
    let output = impexsim()
        .args([
            "scenario",
            "show",
            "--set",
            "customer.abandon_probability=2",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("customer.abandon_probability"), "{stderr}");
}

/// Issue 10: `scenario init FILE` writes a commented starter scenario that
/// changes nothing but the study's name, and never replaces a file unless
/// told to.
#[test]
fn scenario_init_writes_a_starter_and_refuses_to_overwrite() {
    let tmp = TempDir::new().unwrap();
    let init = |args: &[&str]| {
        impexsim()
            .current_dir(tmp.path())
            .args(["scenario", "init"])
            .args(args)
            .output()
            .unwrap()
    };
    let first = init(&["my_study.toml"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let path = tmp.path().join("my_study.toml");
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("# creating_timeout = \"14d\"\n"), "{text}");
    assert!(
        text.lines()
            .all(|line| line.is_empty() || line.starts_with('#') || line.starts_with('[')),
        "a starter sets no key:\n{text}"
    );

    // Its values are the baseline's, under the file's name.
    let shown = show(&["my_study.toml"], tmp.path());
    let baseline = show(&[], tmp.path());
    let renamed = baseline.replace("name = \"baseline\"", "name = \"my_study\"");
    assert_eq!(values(&shown), values(&renamed));

    // A second init refuses, names the file and the way out, changes nothing.
    fs::write(&path, "# mine\n").unwrap();
    let second = init(&["my_study.toml"]);
    assert_eq!(second.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("my_study.toml already exists") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), "# mine\n");

    let forced = init(&["my_study.toml", "--force"]);
    assert!(forced.status.success());
    assert_eq!(fs::read_to_string(&path).unwrap(), text);
    let mut names: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["my_study.toml"], "nothing else left behind");

    // A starter in a folder that does not exist: exit 1, nothing written.
    let missing = init(&["no/such/dir/x.toml"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(!data("no").exists());
}
