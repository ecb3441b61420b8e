#!/usr/bin/env bash
# The HTML report in real headless Chromium: renders reports of examples/data (a plain one, one
# with a baseline and gates, one nested by team and agent, one with a line per call) and of tests/fixtures/hostile.csv (markup, formulas and escape
# sequences in agent ids and transcripts), fails on any console error, uncaught exception, failed or
# external load, missing chart or call list, a table that does not sort, a chart label that starts
# off the chart's left edge, or anything that scrolls sideways at 1400 px, and writes a
# screenshot of each.
# Installs Debian's chromium when /usr/bin/chromium is missing. Needs only python3's standard
# library (.ci/html_check.py speaks the DevTools protocol itself).
#
# usage: .ci/html-check.sh [OUT_DIR]   (default: target/html-check)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
    echo "html-check: /usr/bin/chromium missing: installing Debian's chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

out=${1:-target/html-check}
mkdir -p "$out"
cargo build --quiet
bin=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/callaudit

"$bin" audit examples/data --format html -o "$out/report.html" --quiet
python3 .ci/html_check.py "$out/report.html" "$out/report.png"

"$bin" audit examples/data/calls.csv --format json -o "$out/baseline.json" --quiet
# --fail-on hold fails (exit 1) on purpose: the page must show a failed gate too.
status=0
"$bin" audit examples/data --format html -o "$out/report-baseline.html" --quiet \
    --baseline "$out/baseline.json" --fail-under 50 --fail-on hold || status=$?
if [ "$status" -ne 1 ]; then
    echo "html-check: expected the --fail-on hold gate to exit 1, got $status" >&2
    exit 1
fi
python3 .ci/html_check.py "$out/report-baseline.html" "$out/report-baseline.png"

# Nested levels (team, then agent) and a report of one line per call.
"$bin" audit examples/data --metadata examples/teams.csv --group-by team,agent --format html \
    -o "$out/report-nested.html" --quiet
python3 .ci/html_check.py "$out/report-nested.html" "$out/report-nested.png"
"$bin" audit examples/data --group-by agent,call --sort score --format html \
    -o "$out/report-calls.html" --quiet
python3 .ci/html_check.py "$out/report-calls.html" "$out/report-calls.png"

"$bin" audit tests/fixtures/hostile.csv --format html -o "$out/report-hostile.html" --quiet
python3 .ci/html_check.py "$out/report-hostile.html" "$out/report-hostile.png"

# Names wider than the charts' label column (capitals, CJK): cut to fit, their start kept.
printf '%s\n' 'call_id,agent_id,date,speaker,text' \
    'w1,MAXIMILIAN WOLFGANG WORTHINGTON-SMYTHE,2026-11-16,agent,hello' \
    'w2,李李李李李李李李李李李李李李李李李李李李李李李李李,2026-11-17,agent,hello' \
    'w3,WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW,2026-11-17,agent,hello' >"$out/wide.csv"
"$bin" audit "$out/wide.csv" --format html -o "$out/report-wide.html" --quiet
python3 .ci/html_check.py "$out/report-wide.html" "$out/report-wide.png"
