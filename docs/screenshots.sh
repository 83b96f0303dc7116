#!/usr/bin/env bash
# Regenerates docs/report-run.png, docs/report-sweep.png and
# docs/report-compare.png, the README's pictures of the HTML reports: the
# browser test of the reports (tests/it/report_browser.rs), told to keep the
# top of each screenshot. Needs chromium (Debian: apt-get install chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
IMPEXSIM_SCREENSHOTS="$PWD/docs" cargo test --release --test it \
  report_browser::every_chart_of_each_report_is_drawn_in_chromium -- --exact
ls -l docs/report-*.png
