//! Unit tests of distributions and duration text.

use super::*;
use crate::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn value(text: &str) -> toml::Value {
    text.parse::<toml::Value>().unwrap()
}

#[test]
fn parses_durations() {
    let check = |text: &str, ms: i64| {
        assert_eq!(
            parse_duration(text),
            Ok(SimDuration::from_ms(ms)),
            "{text:?}"
        );
    };
    check("0s", 0);
    check("90s", 90_000);
    check("45m", 45 * MS_PER_MINUTE);
    check("36h", 36 * MS_PER_HOUR);
    check("14d", 14 * MS_PER_DAY);
    check("365d", 365 * MS_PER_DAY);
    check("2d 12h", 2 * MS_PER_DAY + 12 * MS_PER_HOUR);
    check("2d12h", 2 * MS_PER_DAY + 12 * MS_PER_HOUR);
    check(" 1h  30m ", 90 * MS_PER_MINUTE);
    check("250ms", 250);
    check("1.5d", 36 * MS_PER_HOUR);
    check("0.5s", 500);
    check("1d 1d", 2 * MS_PER_DAY);
}

#[test]
fn rejects_bad_durations() {
    let check = |text: &str, needle: &str| {
        let message = parse_duration(text).unwrap_err();
        assert!(message.contains(needle), "{text:?}: {message}");
        assert!(
            message.contains("expected a duration like"),
            "{text:?}: {message}"
        );
    };
    check("", "empty duration");
    check("   ", "empty duration");
    check("-1d", "negative duration");
    check("14", "missing unit");
    check("14 d", "missing unit");
    check("3w", "unknown unit \"w\"");
    check("2d 12x", "unknown unit \"x\"");
    check("d", "expected a number before each unit");
    check("1.2.3d", "is not a number");
    check("99999999999999999999d", "duration too long");
    check("1e9d", "unknown unit \"e\"");
}

#[test]
fn formats_durations_and_reads_them_back() {
    let check = |ms: i64, text: &str| {
        assert_eq!(format_duration(SimDuration::from_ms(ms)), text);
        assert_eq!(parse_duration(text), Ok(SimDuration::from_ms(ms)));
    };
    check(0, "0s");
    check(250, "250ms");
    check(90_000, "1m 30s");
    check(2 * MS_PER_DAY + 12 * MS_PER_HOUR, "2d 12h");
    check(14 * MS_PER_DAY, "14d");
    check(MS_PER_DAY + 1, "1d 1ms");
    assert_eq!(format_duration(SimDuration::from_ms(-MS_PER_HOUR)), "-1h");
}

#[test]
fn probabilities_are_checked() {
    assert_eq!(Probability::new(0.25).map(Probability::get), Ok(0.25));
    assert!(
        Probability::new(1.5)
            .unwrap_err()
            .contains("within [0, 1], got 1.5")
    );
    assert!(Probability::new(-0.1).is_err());
    assert!(Probability::new(f64::NAN).is_err());
    #[derive(serde::Deserialize)]
    struct Holder {
        p: Probability,
    }
    let read = |text: &str| toml::from_str::<Holder>(text).map(|holder| holder.p.get());
    assert_eq!(read("p = 0"), Ok(0.0));
    assert_eq!(read("p = 1"), Ok(1.0));
    assert_eq!(read("p = 0.3"), Ok(0.3));
    let error = read("p = 2").unwrap_err();
    assert!(error.message().contains("within [0, 1], got 2"), "{error}");
    let error = read("p = \"half\"").unwrap_err();
    assert!(
        error.message().contains("expected a probability"),
        "{error}"
    );
}

#[test]
fn reads_duration_dists() {
    let read = |text: &str| DurationDist::from_toml(&value(text));
    assert_eq!(
        read("\"30m\"").unwrap().as_constant(),
        Some(SimDuration::from_minutes(30))
    );
    assert_eq!(
        read("{ dist = \"exponential\", mean = \"2d\" }")
            .unwrap()
            .mean(),
        SimDuration::from_days(2)
    );
    assert_eq!(
        read("{ dist = \"uniform\", min = \"1d\", max = \"3d\" }")
            .unwrap()
            .mean(),
        SimDuration::from_days(2)
    );
    assert_eq!(
        read("{ dist = \"triangular\", min = \"10m\", mode = \"20m\", max = \"1h\" }")
            .unwrap()
            .mean(),
        SimDuration::from_minutes(30)
    );
    assert_eq!(
        read("{ dist = \"constant\", value = \"1h\" }")
            .unwrap()
            .as_constant(),
        Some(SimDuration::from_hours(1))
    );
    assert_eq!(
        read("{ dist = \"empirical\", values = [\"1d\", \"3d\"], weights = [3, 1] }")
            .unwrap()
            .mean(),
        SimDuration::from_hours(36)
    );
    assert_eq!(
        read("{ dist = \"normal\", mean = \"2d\", sd = \"0s\" }")
            .unwrap()
            .as_constant(),
        Some(SimDuration::from_days(2))
    );
    let lognormal = read("{ dist = \"lognormal\", median = \"3d\", sigma = 0.8 }").unwrap();
    assert_eq!(
        lognormal.dist().kind(),
        &DistKind::LogNormal {
            median: (3 * MS_PER_DAY) as f64,
            sigma: 0.8
        }
    );
}

#[test]
fn rejects_bad_duration_dists() {
    let check = |text: &str, needle: &str| {
        let message = DurationDist::from_toml(&value(text)).unwrap_err();
        assert!(message.contains(needle), "{text}: {message}");
    };
    check("5", "expected a duration like");
    check("5", "or a distribution table");
    check("\"-2d\"", "negative duration");
    check(
        "{ mean = \"2d\" }",
        "missing `dist`: expected one of \"constant\"",
    );
    check(
        "{ dist = \"expo\", mean = \"2d\" }",
        "unknown dist \"expo\"",
    );
    check("{ dist = 3 }", "`dist`: expected one of");
    check("{ dist = \"exponential\" }", "exponential needs `mean`");
    check(
        "{ dist = \"exponential\", maen = \"2d\" }",
        "unknown parameter `maen`, expected `mean`",
    );
    check(
        "{ dist = \"exponential\", mean = \"0s\" }",
        "`mean` must be positive, got 0s",
    );
    check(
        "{ dist = \"exponential\", mean = 2 }",
        "`mean`: expected a duration like",
    );
    check(
        "{ dist = \"uniform\", min = \"3d\", max = \"1d\" }",
        "`max` (1d) must not be less than `min` (3d)",
    );
    check(
        "{ dist = \"uniform\", min = \"0s\", max = \"0s\" }",
        "`max` must be positive",
    );
    check(
        "{ dist = \"lognormal\", median = \"0s\", sigma = 1 }",
        "`median` must be positive",
    );
    check(
        "{ dist = \"lognormal\", median = \"1d\", sigma = -1 }",
        "`sigma` must not be negative",
    );
    check(
        "{ dist = \"lognormal\", median = \"1d\", sigma = \"1d\" }",
        "`sigma`: expected a number",
    );
    check(
        "{ dist = \"triangular\", min = \"10m\", mode = \"2h\", max = \"1h\" }",
        "`mode` (2h) must lie within [`min`, `max`] = [10m, 1h]",
    );
    check(
        "{ dist = \"normal\", mean = \"1d\", sd = \"-1d\" }",
        "negative duration",
    );
    check(
        "{ dist = \"empirical\", values = [] }",
        "`values` must not be empty",
    );
    check(
        "{ dist = \"empirical\", values = [\"1d\"], weights = [1, 2] }",
        "1 values, 2 weights",
    );
    check(
        "{ dist = \"empirical\", values = [\"1d\", \"2d\"], weights = [-1, 2] }",
        "`weights` must not be negative",
    );
    check(
        "{ dist = \"empirical\", values = [\"1d\", \"2d\"], weights = [0, 0] }",
        "positive sum",
    );
    check(
        "{ dist = \"uniform_int\", min = 1, max = 3 }",
        "uniform_int is for counts",
    );
}

#[test]
fn reads_number_dists() {
    let read = |text: &str| NumberDist::from_toml(&value(text));
    assert_eq!(read("20").unwrap().as_constant(), Some(20.0));
    assert_eq!(read("2.5").unwrap().as_constant(), Some(2.5));
    assert_eq!(
        read("{ dist = \"uniform_int\", min = 1, max = 10 }")
            .unwrap()
            .mean(),
        5.5
    );
    assert_eq!(
        read("{ dist = \"uniform\", min = 1, max = 16.0 }")
            .unwrap()
            .mean(),
        8.5
    );
    assert_eq!(
        read("{ dist = \"empirical\", values = [1, 2, 3] }")
            .unwrap()
            .mean(),
        2.0
    );
    let check = |text: &str, needle: &str| {
        let message = read(text).unwrap_err();
        assert!(message.contains(needle), "{text}: {message}");
    };
    check("\"3\"", "expected a number, got \"3\"");
    check("-1", "expected a non-negative value");
    check(
        "{ dist = \"uniform\", min = -1, max = 2 }",
        "uniform: `min`: expected a non-negative",
    );
    check(
        "{ dist = \"uniform_int\", min = 1.5, max = 3 }",
        "`min`: expected an integer",
    );
    check(
        "{ dist = \"uniform_int\", min = 5, max = 3 }",
        "`max` (3) must not be less than `min` (5)",
    );
    check(
        "{ dist = \"normal\", mean = 0, sd = 20 }",
        "`mean` must be positive",
    );
    check(
        "{ dist = \"normal\", mean = 120, sd = -1 }",
        "`sd` must not be negative",
    );
}

/// Draws `n` samples and checks that their mean lies within four standard
/// errors (`4 * sd / sqrt(n)`, the sample's own sd) of the theoretical
/// mean. Four standard errors make a false failure about a 1-in-15,000
/// event for an unbiased sampler whatever the seed, while a sampler off by
/// more than about 1% of its sd still fails at n = 200,000.
fn check_mean(dist: &Dist, expected_mean: f64) {
    let n = 200_000;
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let draws: Vec<f64> = (0..n).map(|_| dist.sample(&mut rng)).collect();
    let mean = draws.iter().sum::<f64>() / n as f64;
    let variance = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let tolerance = 4.0 * (variance / n as f64).sqrt() + 1e-12 * expected_mean.abs();
    assert!(
        (mean - expected_mean).abs() <= tolerance,
        "{:?}: sample mean {mean}, expected {expected_mean} +- {tolerance}",
        dist.kind()
    );
    // `mean` itself is exact but for the truncated normal, whose `erfc` has
    // a relative error below 1.2e-7.
    assert!(
        (dist.mean() - expected_mean).abs() <= 1e-6 * expected_mean.abs().max(1.0),
        "{:?}: mean() = {}, expected {expected_mean}",
        dist.kind(),
        dist.mean()
    );
}

#[test]
fn sample_means_match_theory() {
    let dist = |kind| Dist::new(kind).unwrap();
    check_mean(&dist(DistKind::Constant { value: 3.0 }), 3.0);
    check_mean(&dist(DistKind::Exponential { mean: 2.0 }), 2.0);
    check_mean(
        &dist(DistKind::Uniform {
            min: 1.0,
            max: 16.0,
        }),
        8.5,
    );
    check_mean(
        &dist(DistKind::LogNormal {
            median: 3.0,
            sigma: 0.8,
        }),
        3.0 * (0.32_f64).exp(),
    );
    check_mean(
        &dist(DistKind::Triangular {
            min: 10.0,
            mode: 20.0,
            max: 60.0,
        }),
        30.0,
    );
    // Far from zero the truncation barely shows: 120 + 20 * phi(6) / Phi(6).
    check_mean(
        &dist(DistKind::Normal {
            mean: 120.0,
            sd: 20.0,
        }),
        120.000_000_121_5,
    );
    // Near zero it does: for mean 1, sd 2 the truncated mean is
    // 1 + 2 * phi(0.5) / Phi(0.5) = 2.018320868 (computed with libm's erfc).
    check_mean(
        &dist(DistKind::Normal { mean: 1.0, sd: 2.0 }),
        2.018_320_868,
    );
    check_mean(
        &dist(DistKind::Empirical {
            values: vec![1.0, 2.0, 10.0],
            weights: vec![1.0, 2.0, 1.0],
        }),
        3.75,
    );
    check_mean(&dist(DistKind::UniformInt { min: 1, max: 10 }), 5.5);
}

#[test]
fn truncated_normal_never_gives_zero_or_less() {
    let dist = Dist::new(DistKind::Normal { mean: 0.1, sd: 5.0 }).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    assert!((0..100_000).all(|_| dist.sample(&mut rng) > 0.0));
}

#[test]
fn uniform_int_covers_its_range_inclusive() {
    let dist = Dist::new(DistKind::UniformInt { min: 1, max: 10 }).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut seen = [0_u32; 11];
    for _ in 0..10_000 {
        let draw = dist.sample(&mut rng);
        assert_eq!(draw.fract(), 0.0);
        seen[draw as usize] += 1;
    }
    assert_eq!(seen[0], 0);
    assert!(seen[1..].iter().all(|&count| count > 800), "{seen:?}");
}

#[test]
fn duration_dist_samples_whole_milliseconds() {
    let dist =
        DurationDist::from_toml(&value("{ dist = \"exponential\", mean = \"2d\" }")).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let n = 200_000;
    let total: i64 = (0..n).map(|_| dist.sample(&mut rng).ms()).sum();
    let mean_days = total as f64 / n as f64 / MS_PER_DAY as f64;
    // Standard error of the mean of an exponential: mean / sqrt(n) = 0.0045d;
    // 4 standard errors = 0.018d.
    assert!((mean_days - 2.0).abs() < 0.018, "{mean_days}");
}

#[test]
fn empirical_throughput_with_a_zero_value_is_rejected() {
    // A zero value panicked in the engine after 1000 redraws of zero.
    let read = |text: &str| PositiveNumberDist::from_toml(&value(text));
    let check = |text: &str, needle: &str| {
        let message = read(text).unwrap_err();
        assert!(message.contains(needle), "{text}: {message}");
    };
    check(
        "{ dist = \"empirical\", values = [0, 0] }",
        "empirical: `values`: every value must be positive (a copy at 0 MB/s never ends), got 0",
    );
    check(
        "{ dist = \"empirical\", values = [0, 100], weights = [1000000, 1] }",
        "every value must be positive",
    );
    check(
        "0",
        "expected a positive value (a copy at 0 MB/s never ends), got 0",
    );
    check(
        "{ dist = \"uniform_int\", min = 0, max = 3 }",
        "uniform_int: `min` must be at least 1",
    );
    // A mean so small that 1 / mean is infinite: every draw was 0.
    check(
        "{ dist = \"exponential\", mean = 1e-310 }",
        "exponential: half of the draws would be",
    );
    check(
        "{ dist = \"lognormal\", median = 1e-320, sigma = 1 }",
        "half of the draws would be",
    );
    // A zero value nothing picks is harmless.
    assert!(read("{ dist = \"empirical\", values = [0, 100], weights = [0, 1] }").is_ok());
    for text in [
        "120",
        "{ dist = \"normal\", mean = 120, sd = 20 }",
        "{ dist = \"normal\", mean = 1, sd = 1000 }",
        "{ dist = \"uniform\", min = 0, max = 200 }",
        "{ dist = \"triangular\", min = 0, mode = 0, max = 1 }",
        "{ dist = \"exponential\", mean = 100 }",
        "{ dist = \"uniform_int\", min = 1, max = 3 }",
    ] {
        assert!(read(text).is_ok(), "{text}: {:?}", read(text));
    }
}

#[test]
fn positive_draws_are_the_raw_draws_that_are_positive() {
    // `sample` takes the same raw draws as the old redraw loop: here the
    // first positive draw of a normal around zero, in order.
    let positive =
        PositiveNumberDist::from_toml(&value("{ dist = \"normal\", mean = 1, sd = 1000 }"))
            .unwrap();
    let raw = positive.dist().clone();
    let mut rng_positive = ChaCha8Rng::seed_from_u64(9);
    let mut rng_raw = ChaCha8Rng::seed_from_u64(9);
    for _ in 0..1_000 {
        let expected = loop {
            let draw = raw.sample(&mut rng_raw);
            if draw > 0.0 {
                break draw;
            }
        };
        assert_eq!(positive.sample(&mut rng_positive), expected);
    }
    // A uniform_int from 1 never needs a redraw.
    let counts =
        PositiveNumberDist::from_toml(&value("{ dist = \"uniform_int\", min = 1, max = 2 }"))
            .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    assert!((0..1_000).all(|_| counts.sample(&mut rng) >= 1.0));
}

#[test]
fn practical_max_is_exceeded_with_probability_below_1e_18() {
    let dist = |text: &str| NumberDist::from_toml(&value(text)).unwrap();
    let max = |text: &str| dist(text).dist().practical_max();
    assert_eq!(max("3"), 3.0);
    assert_eq!(max("{ dist = \"uniform\", min = 1, max = 16 }"), 16.0);
    assert_eq!(
        max("{ dist = \"triangular\", min = 1, mode = 2, max = 5 }"),
        5.0
    );
    assert_eq!(max("{ dist = \"uniform_int\", min = 1, max = 10 }"), 10.0);
    assert_eq!(
        max("{ dist = \"empirical\", values = [1, 50, 7], weights = [1, 0, 1] }"),
        7.0
    );
    // exp(-42) = 5.7e-19; P(Z > 9) = 1.1e-19.
    assert_eq!(max("{ dist = \"exponential\", mean = 2 }"), 84.0);
    assert_eq!(max("{ dist = \"normal\", mean = 120, sd = 20 }"), 300.0);
    let lognormal = max("{ dist = \"lognormal\", median = 8, sigma = 0.5 }");
    assert!(
        (lognormal - 8.0 * 4.5_f64.exp()).abs() < 1e-9,
        "{lognormal}"
    );
}

#[test]
fn erfc_matches_known_values() {
    // Reference values of erfc to 9 digits.
    for (x, expected) in [
        (0.0, 1.0),
        (0.5, 0.479_500_122),
        (1.0, 0.157_299_207),
        (-1.0, 1.842_700_793),
    ] {
        assert!((erfc(x) - expected).abs() < 2e-7, "erfc({x}) = {}", erfc(x));
    }
}
