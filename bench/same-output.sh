#!/usr/bin/env bash
# Do two builds give byte-identical output?  bash bench/same-output.sh BASE_BIN NEW_BIN [INPUT...]
#
# Runs both binaries over the same inputs and rubrics and diffs everything they write: the
# report (json, csv, markdown), the per-call records (--calls, csv and jsonl), the evidence file,
# stderr and the exit code, with --threads 1 and 2, and `explain` on the first calls of each
# input. Prints "identical" and exits 0, or lists the files that differ and exits 1.
#
# Inputs by default: the bundled examples, every file of tests/fixtures, and when set
# $DEV_CSV (e.g. the TweetSumm dev set without its held-out conversations) and the
# replays of it in bench/data up to 40 MB (bench/replay_tweetsumm.py with TWEETSUMM_CSV). Rubrics: the
# built-in one, builtin:es and builtin:fr, examples/rubric.toml, and the rubric from before the
# issue-12 rewrite (git show dc697cd:src/rubric/default.toml). The large replays (over 8 MB)
# are run with the built-in and the previous rubric only.
# The chunked CSV reader only takes files of 8 MiB or more; `CALLAUDIT_CSV_BLOCK=64 bash
# bench/same-output.sh ...` makes every CSV input go through it in 64-byte blocks (the base
# binary ignores the variable), which checks its stitching against the serial reader.
set -uo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n 2,3p "$0"; exit 2; }
BASE=$(realpath "$1")
NEW=$(realpath "$2")
shift 2
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

OLD_RUBRIC="$OUT/old-rubric.toml"
git show dc697cd:src/rubric/default.toml > "$OLD_RUBRIC"

if [ $# -gt 0 ]; then
  INPUTS=("$@")
else
  INPUTS=(examples/data/calls.csv examples/data/calls.jsonl examples/es/llamadas.csv)
  while IFS= read -r f; do INPUTS+=("$f"); done < <(find tests/fixtures -type f | sort)
  [ -n "${DEV_CSV:-}" ] && [ -e "$DEV_CSV" ] && INPUTS+=("$DEV_CSV")
  for f in bench/data/ts-noho-x*.csv; do
    [ -e "$f" ] && [ "$(stat -c %s "$f")" -le 40000000 ] && INPUTS+=("$f")  # x5, x20; not x100
  done
fi

# run TAG BIN INPUT_INDEX INPUT RUBRIC_NAME RUBRIC_ARGS...
run() {
  local tag=$1 bin=$2 n=$3 input=$4 rname=$5
  shift 5
  local d="$OUT/$tag/$n-$(basename "$input")-$rname"
  mkdir -p "$d"
  for t in 1 2; do
    "$bin" audit "$input" --no-config "$@" --threads "$t" --format json \
      --calls "$d/calls-t$t.csv" --calls-format csv --evidence "$d/evidence-t$t.csv" \
      > "$d/report-t$t.json" 2> "$d/stderr-json-t$t.txt"
    echo "exit $?" >> "$d/stderr-json-t$t.txt"
    "$bin" audit "$input" --no-config "$@" --threads "$t" --format csv \
      --calls "$d/calls-t$t.jsonl" --calls-format jsonl \
      > "$d/report-t$t.csv" 2> "$d/stderr-csv-t$t.txt"
    echo "exit $?" >> "$d/stderr-csv-t$t.txt"
    "$bin" audit "$input" --no-config "$@" --threads "$t" --format markdown --group-by agent,call \
      > "$d/report-t$t.md" 2> "$d/stderr-md-t$t.txt"
    echo "exit $?" >> "$d/stderr-md-t$t.txt"
  done
  # explain on the first three calls (ids from the base binary's records, so both explain the same).
  local ids
  ids=$(python3 - "$OUT/base/$n-$(basename "$input")-$rname/calls-t1.csv" <<'PY'
import csv, sys
try:
    rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
except OSError:
    rows = []
ids = []
for r in rows:
    i = r.get("call_id")
    if i and i not in ids:
        ids.append(i)
# the first three, one from the middle and the last
pick = ids[:3] + ([ids[len(ids) // 2], ids[-1]] if len(ids) > 3 else [])
print("\n".join(dict.fromkeys(pick)))
PY
)
  local k=0
  while IFS= read -r id; do
    [ -n "$id" ] || continue
    k=$((k + 1))
    "$bin" explain "$input" --no-config "$@" --call "$id" --color never \
      > "$d/explain-$k.txt" 2>&1
    echo "exit $?" >> "$d/explain-$k.txt"
    "$bin" explain "$input" --no-config "$@" --call "$id" --format json \
      > "$d/explain-$k.json" 2>&1
    echo "exit $?" >> "$d/explain-$k.json"
  done <<< "$ids"
}

n=0
for input in "${INPUTS[@]}"; do
  n=$((n + 1))
  size=$(stat -c %s "$input")
  rubrics=("builtin" "old")
  if [ "$size" -le 8000000 ]; then rubrics+=("es" "fr" "example"); fi
  for rname in "${rubrics[@]}"; do
    case $rname in
      builtin) args=() ;;
      old) args=(--rubric "$OLD_RUBRIC") ;;
      es) args=(--rubric builtin:es) ;;
      fr) args=(--rubric builtin:fr) ;;
      example) args=(--rubric examples/rubric.toml) ;;
    esac
    run base "$BASE" "$n" "$input" "$rname" "${args[@]}"
    run new "$NEW" "$n" "$input" "$rname" "${args[@]}"
  done
done

files=$(find "$OUT/base" -type f | wc -l)
bytes=$(du -sb "$OUT/base" | cut -f1)
if diff -rq "$OUT/base" "$OUT/new" > "$OUT/diff.txt"; then
  echo "identical: $files files ($bytes bytes) from ${#INPUTS[@]} inputs"
  exit 0
else
  echo "DIFFERENT ($(wc -l < "$OUT/diff.txt") of $files files):"
  sed "s#$OUT/##g" "$OUT/diff.txt" | head -40
  exit 1
fi
