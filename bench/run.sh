#!/usr/bin/env bash
# Benchmarks callaudit against the scan limit (ripgrep counting the rubric's literal phrases)
# and against what an analyst would reach for (DuckDB), on the same files, and writes
# BENCHMARKS.md. Run from a fresh clone:  bash bench/run.sh
#
#   CALLS=115000        calls in the main synthetic file (~175 MB, ~1.2 M utterances)
#   BIG_CALLS=1150000   calls in the large file for the memory check (~1.7 GB); 0 skips it
#   RUNS=10             timed runs per command (DuckDB: 3)
#   DATA=bench/data     where generated files are kept (reused when present)
#   JSON_FILES=10000    vendor JSON files, one per contact (bench/vendor_json.py); 0 skips them
#   ANCHORS=../shared/bench/anchor-phrases.txt   the fixed anchor list for the second rg
#                       reference (102 common phrases; skipped when absent)
#
# Installs ripgrep (cargo install, or apt-get), hyperfine with apt-get and duckdb with pip when
# they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
CALLS=${CALLS:-115000}
BIG_CALLS=${BIG_CALLS:-1150000}
RUNS=${RUNS:-10}
DATA=${DATA:-bench/data}
JSON_FILES=${JSON_FILES:-10000}
ANCHORS=${ANCHORS:-../shared/bench/anchor-phrases.txt}
mkdir -p "$DATA"

need_apt() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
command -v rg >/dev/null || cargo install --quiet ripgrep || need_apt rg ripgrep
need_apt hyperfine hyperfine
python3 -c "import duckdb" 2>/dev/null || pip install --quiet duckdb
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

echo "== build"
cargo build --release --quiet --bin callaudit --example generate
BIN=target/release/callaudit
GEN=target/release/examples/generate

echo "== data"
SYN="$DATA/synthetic-$CALLS.csv"
[ -s "$SYN" ] || "$GEN" --calls "$CALLS" --seed 7 > "$SYN"
FILES=("$SYN")
if [ -e ../shared/data/tweetsumm/tweetsumm-dev.csv ]; then
  REAL="$DATA/tweetsumm-x100.csv"
  [ -s "$REAL" ] || python3 bench/replay_tweetsumm.py 100 > "$REAL"
  FILES+=("$REAL")
else
  echo "   ../shared absent: the real-text replay is skipped"
fi
BIG=""
if [ "$BIG_CALLS" != 0 ]; then
  BIG="$DATA/synthetic-$BIG_CALLS.csv"
  [ -s "$BIG" ] || "$GEN" --calls "$BIG_CALLS" --seed 7 > "$BIG"
fi
RUBRIC="$DATA/rubric.toml"
"$BIN" rubric show > "$RUBRIC"
PHRASES="$DATA/phrases.txt"
python3 - "$RUBRIC" > "$PHRASES" <<'PY'
import sys, tomllib
r = tomllib.load(open(sys.argv[1], "rb"))
lits = {p for it in r["item"] for k in ("phrases", "unless", "context") for p in it.get(k, [])
        if not any(t in p for t in ("*", "{num}", "NEAR/", "BEFORE/"))}
print("\n".join(sorted(lits)))
PY

RESULTS="$DATA/results"
mkdir -p "$RESULTS"
for f in "${FILES[@]}"; do
  name=$(basename "$f" .csv)
  "$BIN" audit --quiet --format json "$f" > "$RESULTS/$name-report.json"
  echo "== time: $name"
  anchors=()
  [ -s "$ANCHORS" ] && anchors=(-n "rg -c -i -F -f ANCHORS" "rg -c -i -F -f $ANCHORS $f > /dev/null")
  hyperfine --style basic --warmup 1 --runs "$RUNS" --export-json "$RESULTS/$name.json" \
    -n "callaudit --threads 1" "$BIN audit --quiet --threads 1 --format csv $f > /dev/null" \
    -n "callaudit --threads 2" "$BIN audit --quiet --threads 2 --format csv $f > /dev/null" \
    -n "floor --threads 2" "$BIN audit --quiet --threads 2 --format csv --rubric bench/floor.toml $f > /dev/null" \
    -n "rg -c -i -F -f PHRASES" "rg -c -i -F -f $PHRASES $f > /dev/null" \
    "${anchors[@]}"
  hyperfine --style basic --runs 3 --export-json "$RESULTS/$name-duckdb.json" \
    -n "DuckDB (Python)" "python3 bench/duckdb_counts.py $RUBRIC $f > /dev/null"
  echo "== peak memory: $name"
  for t in 1 2; do
    /usr/bin/time -f "%M" -o "$RESULTS/$name-rss-t$t.txt" "$BIN" audit --quiet --threads "$t" --format csv "$f" > /dev/null
  done
  /usr/bin/time -f "%M" -o "$RESULTS/$name-rss-rg.txt" rg -c -i -F -f "$PHRASES" "$f" > /dev/null
  /usr/bin/time -f "%M" -o "$RESULTS/$name-rss-duckdb.txt" python3 bench/duckdb_counts.py "$RUBRIC" "$f" > /dev/null
done
if [ -n "$BIG" ]; then
  echo "== peak memory and time: $(basename "$BIG")"
  # Same output format as the runs above, so the two peaks compare like for like.
  /usr/bin/time -f "%e %M" -o "$RESULTS/big.txt" "$BIN" audit --quiet --threads 2 --format csv "$BIG" > /dev/null
  "$BIN" audit --quiet --format json "$BIG" > "$RESULTS/$(basename "$BIG" .csv)-report.json"
fi

JSON_DIR=""
if [ "$JSON_FILES" != 0 ]; then
  # One vendor JSON file per contact (Transcribe and Contact Lens alternately), from a
  # synthetic CSV of as many calls: how most real exports arrive.
  JSON_DIR="$DATA/json-$JSON_FILES"
  if [ ! -d "$JSON_DIR" ]; then
    "$GEN" --calls "$JSON_FILES" --seed 7 > "$DATA/synthetic-$JSON_FILES.csv"
    python3 bench/vendor_json.py "$DATA/synthetic-$JSON_FILES.csv" "$JSON_DIR"
  fi
  name=$(basename "$JSON_DIR")
  "$BIN" audit --quiet --format json "$JSON_DIR" > "$RESULTS/$name-report.json"
  echo "== time: $name"
  hyperfine --style basic --warmup 1 --runs "$RUNS" --export-json "$RESULTS/$name.json" \
    -n "callaudit --threads 1" "$BIN audit --quiet --threads 1 --format csv $JSON_DIR > /dev/null" \
    -n "callaudit --threads 2" "$BIN audit --quiet --threads 2 --format csv $JSON_DIR > /dev/null" \
    -n "cat" "find $JSON_DIR -type f -exec cat {} + > /dev/null"
  for t in 1 2; do
    /usr/bin/time -f "%M" -o "$RESULTS/$name-rss-t$t.txt" "$BIN" audit --quiet --threads "$t" --format csv "$JSON_DIR" > /dev/null
  done
fi

echo "== criterion: the hot path, and a 2,000-phrase rubric against the built-in one"
cargo bench --quiet --bench hot_path -- --noplot > "$RESULTS/criterion.txt" 2>&1 || cat "$RESULTS/criterion.txt"

echo "== BENCHMARKS.md"
# The measurements below the marker (side-by-side runs of particular changes) are not this
# script's to rewrite: they are carried over as they are.
kept=$(mktemp)
sed -n '/^<!-- kept below: not rewritten by bench\/run.sh -->$/,$p' BENCHMARKS.md > "$kept" 2>/dev/null || true
JSON_DIR="$JSON_DIR" python3 bench/report.py "$RESULTS" "$SYN" "${REAL:-}" "$BIG" > BENCHMARKS.md
cat "$kept" >> BENCHMARKS.md
rm -f "$kept"
cat BENCHMARKS.md
