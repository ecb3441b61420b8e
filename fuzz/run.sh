#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, at most JOBS at a time, and prints
# each run's figures (executions, executions per second, coverage, features, crashes).
#
#   fuzz/run.sh [SECONDS] [TARGET...]        SECONDS defaults to 60; JOBS=2 in the environment
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). It uses nightly-only compiler flags; on a stable
# toolchain RUSTC_BOOTSTRAP=1 (set here) lets it build. Seeds come from the repository's own
# fixtures and examples; corpora grow in fuzz/corpus/, logs go to fuzz/logs/, and a crash leaves
# its input in fuzz/artifacts/TARGET/ (turn it into a test under tests/ before fixing it).
set -euo pipefail

cd "$(dirname "$0")"
seconds=${1:-60}
shift || true
jobs=${JOBS:-2}
all=(read_csv read_jsonl read_vendor_json read_vtt read_text detect_and_read rubric audit_text)
targets=("${@:-${all[@]}}")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
export RUSTC_BOOTSTRAP=1

# A seed for a reader target is one selector byte (options, format, file name) and a file.
seed() { # target selector file
    local dir=corpus/$1
    mkdir -p "$dir"
    { printf "\\x$2"; cat "$3"; } >"$dir/seed-$2-$(basename "$3")"
}
fixtures=../tests/fixtures
for f in ../examples/data/calls.csv $fixtures/hostile.csv $fixtures/readers/mixed/calls.csv; do
    seed read_csv 00 "$f"; seed read_csv 01 "$f"; seed detect_and_read 60 "$f"
done
for f in ../examples/data/calls.jsonl $fixtures/readers/mixed/calls.jsonl; do
    seed read_jsonl 00 "$f"; seed detect_and_read 80 "$f"; seed detect_and_read 00 "$f"
done
i=0
for f in $fixtures/readers/{transcribe,contact_lens,pca,genesys,ccai}/*.json; do
    # The high nibble picks the reader: 0 is the `json` dispatcher; 1..5 force a vendor format.
    seed read_vendor_json 00 "$f"
    seed read_vendor_json "$(printf '%x0' $(( (i % 5) + 1 )))" "$f"
    seed detect_and_read a0 "$f"
    i=$((i + 1))
done
for f in $fixtures/readers/vtt/*.vtt $fixtures/readers/mixed/*.vtt; do
    seed read_vtt 00 "$f"; seed read_vtt 08 "$f"; seed detect_and_read c0 "$f"
done
for f in $fixtures/readers/text/*.txt $fixtures/readers/mixed/*.txt; do
    seed read_text 00 "$f"; seed read_text 08 "$f"; seed detect_and_read e0 "$f"
done
mkdir -p corpus/rubric corpus/audit_text
cp ../src/rubric/default.toml corpus/rubric/seed-default.toml
cp ../examples/rubric.toml corpus/rubric/seed-example.toml
for f in ../examples/data/calls.csv $fixtures/readers/text/*.txt; do
    cp "$f" "corpus/audit_text/seed-$(basename "$f")"
done

cargo fuzz build >/dev/null
mkdir -p logs
run_one() {
    local target=$1 dict=()
    case $target in read_jsonl | read_vendor_json | detect_and_read) dict=(-dict=dict/json.dict) ;; esac
    # -max_len 64 KiB: long enough for whole vendor documents and long turns. -rss_limit_mb
    # (2 GiB, the default) and -timeout make unbounded memory and hangs count as crashes.
    cargo fuzz run "$target" "corpus/$target" -- -max_total_time="$seconds" -max_len=65536 \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
        >"logs/$target.log" 2>&1 || echo "$target: FAILED (see fuzz/logs/$target.log)"
}
export -f run_one
export seconds
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}'

printf '%-18s %8s %12s %10s %7s %8s %8s\n' target seconds execs execs/s cov ft crashes
for t in "${targets[@]}"; do
    log=logs/$t.log
    # A run that crashed stops early: its time is the crash's, not SECONDS.
    ran=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | grep -oE '[0-9]+ second' | grep -oE '[0-9]+' || echo 'crashed')
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
    rate=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
    last=$(grep -E '#[0-9]+.*cov: ' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo '?')
    ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo '?')
    crashes=$(find "artifacts/$t" -type f 2>/dev/null | wc -l)
    printf '%-18s %8s %12s %10s %7s %8s %8s\n' "$t" "$ran" "$execs" "$rate" "$cov" "$ft" "$crashes"
done
