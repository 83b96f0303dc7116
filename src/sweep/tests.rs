//! Unit tests of `--vary` parsing, the points of a sweep and `sweep.csv`.

use super::*;
use crate::report::Metric;

#[test]
fn vary_values_split_at_top_level_commas() {
    let check = |text: &str, expected: &[&str]| {
        let vary: Vary = text
            .parse()
            .unwrap_or_else(|error| panic!("`{text}`: {error}"));
        assert_eq!(vary.values, expected, "`{text}`");
    };
    check("datacenter.copy_stations=90,120", &["90", "120"]);
    check("datacenter.copy_stations = 90 , 120 ", &["90", "120"]);
    check(
        r#"policy.cancellable_states=["Creating"],[]"#,
        &[r#"["Creating"]"#, "[]"],
    );
    check(
        r#"policy.cancellable_states=["Creating","Shipping"],["Creating"]"#,
        &[r#"["Creating","Shipping"]"#, r#"["Creating"]"#],
    );
    check(
        r#"arrivals.drives_per_job={ dist = "uniform_int", min = 1, max = 3 },2"#,
        &[r#"{ dist = "uniform_int", min = 1, max = 3 }"#, "2"],
    );
    check(r#"simulation.name="a,b",'c,d'"#, &[r#""a,b""#, "'c,d'"]);
    check(r#"simulation.name="a\",b",c"#, &[r#""a\",b""#, "c"]);
    check("policy.creating_timeout=7d,2d 12h", &["7d", "2d 12h"]);
}

#[test]
fn vary_ranges_expand_inclusively() {
    let check = |text: &str, expected: &[&str]| {
        let vary: Vary = text
            .parse()
            .unwrap_or_else(|error| panic!("`{text}`: {error}"));
        assert_eq!(vary.values, expected, "`{text}`");
    };
    check(
        "datacenter.copy_stations=90..150..10",
        &["90", "100", "110", "120", "130", "140", "150"],
    );
    check("datacenter.copy_stations=1..3", &["1", "2", "3"]);
    check("datacenter.copy_stations=1..8..3", &["1", "4", "7"]);
    check("datacenter.copy_stations=5..5", &["5"]);
    check("datacenter.copy_stations=1,3..4,10", &["1", "3", "4", "10"]);
    check("simulation.seed=-1..1", &["-1", "0", "1"]);
    // Not integers: not a range, left for the scenario loader to judge.
    check("arrivals.jobs_per_day=0.5..1.5", &["0.5..1.5"]);
    check("arrivals.trace=../a.csv", &["../a.csv"]);
}

#[test]
fn bad_vary_arguments_are_errors_naming_the_key() {
    let check = |text: &str, expected: VaryError| {
        assert_eq!(text.parse::<Vary>(), Err(expected), "`{text}`");
    };
    let key = || "datacenter.copy_stations".to_string();
    check(
        "datacenter.copy_stations",
        VaryError::Syntax { text: key() },
    );
    check(
        "=1,2",
        VaryError::Syntax {
            text: "=1,2".into(),
        },
    );
    check(
        "datacenter.copy_stations=",
        VaryError::EmptyList { key: key() },
    );
    check(
        "datacenter.copy_stations=  ",
        VaryError::EmptyList { key: key() },
    );
    check(
        "datacenter.copy_stations=1,,2",
        VaryError::EmptyValue {
            key: key(),
            position: 2,
            list: "1,,2".into(),
        },
    );
    check(
        "datacenter.copy_stations=1,",
        VaryError::EmptyValue {
            key: key(),
            position: 2,
            list: "1,".into(),
        },
    );
    check(
        r#"policy.cancellable_states=["Creating","#,
        VaryError::Unbalanced {
            key: "policy.cancellable_states".into(),
            list: r#"["Creating","#.into(),
        },
    );
    check(
        "datacenter.copy_stations=5..1",
        VaryError::Range {
            key: key(),
            range: "5..1".into(),
            problem: "expected START <= END, got 5 > 1".into(),
        },
    );
    check(
        "datacenter.copy_stations=1..5..0",
        VaryError::Range {
            key: key(),
            range: "1..5..0".into(),
            problem: "expected a positive STEP, got 0".into(),
        },
    );
    check(
        "datacenter.copy_stations=1..100000",
        VaryError::Range {
            key: key(),
            range: "1..100000".into(),
            problem: "100000 values, expected at most 10000 (use a larger STEP)".into(),
        },
    );
    check(
        "datacenter.copy_stations=1..3,2",
        VaryError::DuplicateValue {
            key: key(),
            value: "2".into(),
        },
    );
    let message = "datacenter.copy_stations=".parse::<Vary>().unwrap_err();
    assert!(
        message.to_string().contains("datacenter.copy_stations"),
        "{message}"
    );
}

#[test]
fn points_are_the_cross_product_first_key_outermost() {
    let varies: Vec<Vary> = ["a.x=1,2", "b.y=p,q,r"]
        .iter()
        .map(|text| text.parse().unwrap())
        .collect();
    let points = cross_product(&varies);
    let expected = [
        ["1", "p"],
        ["1", "q"],
        ["1", "r"],
        ["2", "p"],
        ["2", "q"],
        ["2", "r"],
    ];
    assert_eq!(points, expected);
}

#[test]
fn point_directories_have_safe_unique_names() {
    let check = |keys: &[&str], values: &[&str], expected: &str| {
        let keys: Vec<String> = keys.iter().map(|key| key.to_string()).collect();
        let values: Vec<String> = values.iter().map(|value| value.to_string()).collect();
        assert_eq!(point_dir_name(&key_labels(&keys), &values), expected);
    };
    check(&["datacenter.copy_stations"], &["90"], "copy_stations=90");
    check(
        &["datacenter.copy_stations", "policy.creating_timeout"],
        &["90", "7d"],
        "copy_stations=90,creating_timeout=7d",
    );
    check(
        &["policy.cancellable_states"],
        &[r#"["Creating", "Shipping"]"#],
        "cancellable_states=Creating_Shipping",
    );
    check(
        &["policy.creating_timeout"],
        &["2d 12h"],
        "creating_timeout=2d_12h",
    );
    check(&["datacenter.copy_lag.max"], &["5d"], "copy_lag.max=5d");
    check(
        &["policy.cancellable_states"],
        &["[]"],
        "cancellable_states=_",
    );
    check(&["simulation.name"], &["../x/."], "name=.._x_._");
    // Two keys that would share a short name keep their full names.
    check(
        &["datacenter.copy_lag.max", "policy.copy_lag.max"],
        &["1", "2"],
        "datacenter.copy_lag.max=1,policy.copy_lag.max=2",
    );
    let long = "x".repeat(200);
    assert_eq!(
        point_dir_name(&["k".to_string()], &[long]),
        format!("k={}", "x".repeat(MAX_NAME_VALUE_CHARS))
    );

    let mut taken = Vec::new();
    let names: Vec<String> = ["s=_a_", "s=_a_", "S=_A_", "s=b"]
        .iter()
        .map(|name| unique_name(name.to_string(), &mut taken))
        .collect();
    assert_eq!(names, ["s=_a_", "s=_a_~2", "S=_A_~3", "s=b"]);
}

#[test]
fn sweep_csv_quotes_values_and_formats_numbers() {
    let metrics = |value: f64| {
        vec![
            Metric {
                name: "jobs.total".into(),
                value: Some(value),
            },
            Metric {
                name: "end_to_end_days.p50".into(),
                value: None,
            },
        ]
    };
    let keys = vec!["policy.cancellable_states".to_string()];
    let points = vec![
        PointOutcome {
            values: vec![r#"["Creating","Shipping"]"#.into()],
            dir_name: "a".into(),
            metrics: vec![metrics(10.0)].into(),
        },
        PointOutcome {
            values: vec!["[]".into()],
            dir_name: "b".into(),
            metrics: vec![metrics(2.5)].into(),
        },
    ];
    let mut single = Vec::new();
    write_sweep_csv(&mut single, &keys, &points, false).unwrap();
    assert_eq!(
        String::from_utf8(single).unwrap(),
        "policy.cancellable_states,metric,value\n\
         \"[\"\"Creating\"\",\"\"Shipping\"\"]\",jobs.total,10\n\
         \"[\"\"Creating\"\",\"\"Shipping\"\"]\",end_to_end_days.p50,\n\
         [],jobs.total,2.5\n\
         [],end_to_end_days.p50,\n"
    );

    let several_points = vec![PointOutcome {
        values: vec!["[]".into()],
        dir_name: "b".into(),
        metrics: vec![metrics(1.0), metrics(3.0)].into(),
    }];
    let mut several = Vec::new();
    write_sweep_csv(&mut several, &keys, &several_points, true).unwrap();
    let text = String::from_utf8(several).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "policy.cancellable_states,metric,mean,stddev,ci95_low,ci95_high,n"
    );
    assert!(
        lines[1].starts_with("[],jobs.total,2,1.4142135623730951,"),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with(",2"), "{}", lines[1]);
    assert_eq!(lines[2], "[],end_to_end_days.p50,,,,,0");
}
