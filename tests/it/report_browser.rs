//! The HTML reports in a real browser: Debian's `chromium` renders each
//! report headless to a PNG, and every chart must be on it, drawn.
//!
//! The page's layout is fixed: charts are the only white rectangles on a
//! grey page, each exactly the size its `<svg>` says, in document order. So
//! the test finds every white rectangle whose top and left neighbours are
//! the page's grey, expects one per chart with the chart's size, in order,
//! and checks that each holds a drawing: enough pixels that are not white,
//! and some in the palette's colours (not only black text).
//!
//! `.ci/run` installs `chromium` where it is missing. Where it cannot be had
//! (`IMPEXSIM_CHROMIUM` names another binary), the test passes after saying
//! so on standard error. With `IMPEXSIM_SCREENSHOTS=DIR` it also writes the
//! top of each screenshot to `DIR/report-<kind>.png`: the README's pictures
//! (`docs/screenshots.sh`).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::report::{Report, charts, small_compare, small_run, small_sweep};

/// The browser's window [px]: wider than the page's 1220-pixel column.
const WINDOW: (u32, u32) = (1280, 4000);

/// The page's background (`body` in the report's style sheet).
const PAGE: [u8; 3] = [0xec, 0xef, 0xf3];

const WHITE: [u8; 3] = [0xff, 0xff, 0xff];

/// Longest a screenshot may take.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Rows of a screenshot kept for the README.
const SCREENSHOT_ROWS: u32 = 1600;

/// An RGB image.
struct Image {
    width: u32,
    height: u32,
    pixels: Vec<[u8; 3]>,
}

impl Image {
    fn at(&self, x: u32, y: u32) -> [u8; 3] {
        self.pixels[(y * self.width + x) as usize]
    }
}

/// A rectangle of the image [px].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Region {
    x: u32,
    y: u32,
    width: u32,
    height: u32,
}

/// The chromium binary: `IMPEXSIM_CHROMIUM`, else `chromium` or
/// `chromium-browser` on `PATH`.
fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("IMPEXSIM_CHROMIUM") {
        return Some(PathBuf::from(path)).filter(|path| path.is_file());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| [dir.join("chromium"), dir.join("chromium-browser")])
        .find(|candidate| candidate.is_file())
}

/// Renders `html` headless into `png`, with a fresh profile in `scratch`.
fn screenshot(chromium: &Path, html: &Path, png: &Path, scratch: &Path) {
    let profile = scratch.join("profile");
    fs::create_dir_all(&profile).unwrap();
    let log_path = scratch.join("chromium.log");
    let log = fs::File::create(&log_path).unwrap();
    let url = format!("file://{}", html.canonicalize().unwrap().display());
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={},{}", WINDOW.0, WINDOW.1))
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {}: {err}", chromium.display()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium took more than {TIMEOUT:?} to render {}",
                html.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        status.success() && png.is_file(),
        "chromium failed ({status}) on {}:\n{}",
        html.display(),
        fs::read_to_string(&log_path).unwrap_or_default()
    );
}

fn decode(png: &Path) -> Image {
    let decoder = png::Decoder::new(std::io::BufReader::new(fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).unwrap();
    assert_eq!(info.bit_depth, png::BitDepth::Eight, "8-bit channels");
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    let pixels = buffer[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|pixel| [pixel[0], pixel[1], pixel[2]])
        .collect();
    Image {
        width: info.width,
        height: info.height,
        pixels,
    }
}

/// White rectangles whose top-left corner touches the page's grey above and
/// to the left, and whose four edges are white, top to bottom then left to
/// right.
fn white_regions(image: &Image) -> Vec<Region> {
    let mut regions = Vec::new();
    for y in 1..image.height {
        for x in 1..image.width {
            if image.at(x, y) != WHITE || image.at(x - 1, y) != PAGE || image.at(x, y - 1) != PAGE {
                continue;
            }
            let width = (x..image.width)
                .take_while(|&column| image.at(column, y) == WHITE)
                .count() as u32;
            let height = (y..image.height)
                .take_while(|&row| image.at(x, row) == WHITE)
                .count() as u32;
            let right = x + width - 1;
            let bottom = y + height - 1;
            let edges_white = (y..=bottom).all(|row| image.at(right, row) == WHITE)
                && (x..=right).all(|column| image.at(column, bottom) == WHITE);
            if edges_white {
                regions.push(Region {
                    x,
                    y,
                    width,
                    height,
                });
            }
        }
    }
    regions
}

/// Pixels of `region` that are not white, and those in a saturated colour
/// (a channel spread of more than 60, which black, grey and white are not).
fn ink(image: &Image, region: Region) -> (u64, u64) {
    let (mut drawn, mut coloured) = (0, 0);
    for y in region.y..region.y + region.height {
        for x in region.x..region.x + region.width {
            let pixel = image.at(x, y);
            if pixel != WHITE {
                drawn += 1;
            }
            let spread = pixel.iter().max().unwrap() - pixel.iter().min().unwrap();
            if spread > 60 {
                coloured += 1;
            }
        }
    }
    (drawn, coloured)
}

/// Writes the top `SCREENSHOT_ROWS` rows of `image` to `path`.
fn write_top(image: &Image, path: &Path) {
    let rows = SCREENSHOT_ROWS.min(image.height);
    let file = std::io::BufWriter::new(fs::File::create(path).unwrap());
    let mut encoder = png::Encoder::new(file, image.width, rows);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header().unwrap();
    let bytes: Vec<u8> = image.pixels[..(rows * image.width) as usize]
        .iter()
        .flatten()
        .copied()
        .collect();
    writer.write_image_data(&bytes).unwrap();
}

#[test]
fn every_chart_of_each_report_is_drawn_in_chromium() {
    let Some(chromium) = find_chromium() else {
        // Written past the test harness's capture, so the reason shows.
        let _ = writeln!(
            std::io::stderr(),
            "every_chart_of_each_report_is_drawn_in_chromium: skipped: no chromium found \
             (.ci/run installs Debian's `chromium`; IMPEXSIM_CHROMIUM names another)"
        );
        return;
    };
    let keep = std::env::var_os("IMPEXSIM_SCREENSHOTS").map(PathBuf::from);
    let reports: [(&str, Report); 3] = [
        ("run", small_run()),
        ("sweep", small_sweep()),
        ("compare", small_compare()),
    ];
    for (kind, report) in reports {
        let scratch = TempDir::new().unwrap();
        let png = scratch.path().join("report.png");
        screenshot(
            &chromium,
            &report.dir.join("report.html"),
            &png,
            scratch.path(),
        );
        let image = decode(&png);
        assert_eq!(
            (image.width, image.height),
            WINDOW,
            "{kind}: screenshot size"
        );

        let expected: Vec<(String, u32, u32)> = charts(&report.html)
            .into_iter()
            .map(|chart| (chart.id, chart.width, chart.height))
            .collect();
        let found = white_regions(&image);
        let sizes: Vec<(u32, u32)> = found.iter().map(|r| (r.width, r.height)).collect();
        let expected_sizes: Vec<(u32, u32)> = expected.iter().map(|(_, w, h)| (*w, *h)).collect();
        assert_eq!(
            sizes, expected_sizes,
            "{kind}: the white rectangles on the screenshot are not the charts \
             {expected:?} (found {found:?})"
        );
        for ((id, _, _), region) in expected.iter().zip(&found) {
            let area = u64::from(region.width) * u64::from(region.height);
            let (drawn, coloured) = ink(&image, *region);
            // A chart with its title only covers about 1.3% of its area;
            // the report's charts cover 5% to 56%. Axes and grid alone have
            // no saturated colour: the data does.
            assert!(
                drawn * 100 >= area * 2,
                "{kind} {id}: only {drawn} of {area} pixels drawn at {region:?}"
            );
            assert!(
                coloured >= 300,
                "{kind} {id}: only {coloured} coloured pixels at {region:?}"
            );
        }
        if let Some(dir) = &keep {
            fs::create_dir_all(dir).unwrap();
            write_top(&image, &dir.join(format!("report-{kind}.png")));
        }
    }
}
