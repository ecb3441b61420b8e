#!/usr/bin/env bash
# Side-by-side timing on a shared machine: every command of a round runs once, round after
# round, so that the neighbours' load falls on all of them alike; prints medians (wall and user
# seconds) and the largest peak RSS of each.
#
#   bash bench/interleave.sh ROUNDS INPUT LABEL=BINARY... [cat] [rg=PHRASES]...
#
# A BINARY runs `BINARY audit INPUT -q --threads N --format csv` with N = 1 and 2, and with
# `--rubric RUBRIC` when written BINARY@RUBRIC (BINARY@bench/floor.toml: the audit's floor,
# everything but the rubric's matching); `cat` times `find INPUT -type f -exec cat {} +`;
# `rgNAME=FILE` times `rg -c -i -F -f FILE INPUT`.
# Example (before/after a change, 10,000 vendor JSON files):
#   bash bench/interleave.sh 5 bench/data/json-10000 before=/tmp/callaudit-main after=target/release/callaudit cat
set -euo pipefail
rounds=$1 input=$2; shift 2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for _ in $(seq "$rounds"); do
  for spec in "$@"; do
    label=${spec%%=*} bin=${spec#*=}
    if [ "$spec" = cat ]; then
      /usr/bin/time -f "cat %e %U %M" -a -o "$log" sh -c "find $input -type f -exec cat {} + > /dev/null"
    elif [ "${label:0:2}" = rg ]; then
      /usr/bin/time -f "$label %e %U %M" -a -o "$log" rg -c -i -F -f "$bin" "$input" > /dev/null || true
    else
      rubric=()
      case $bin in *@*) rubric=(--rubric "${bin#*@}") bin=${bin%%@*} ;; esac
      for t in 1 2; do
        /usr/bin/time -f "$label-t$t %e %U %M" -a -o "$log" "$bin" audit "$input" -q --threads "$t" --format csv "${rubric[@]}" > /dev/null 2>&1 || true
      done
    fi
  done
done
python3 - "$log" <<'PY'
import collections, statistics as st, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) == 4:
        runs[p[0]].append((float(p[1]), float(p[2]), int(p[3])))
print("| command | median wall (s) | fastest | median user (s) | peak RSS (MB) | runs |")
print("| --- | --- | --- | --- | --- | --- |")
for k, v in runs.items():
    print(f"| {k} | {st.median(x[0] for x in v):.2f} | {min(x[0] for x in v):.2f} | "
          f"{st.median(x[1] for x in v):.2f} | {max(x[2] for x in v) / 1024:.1f} | {len(v)} |")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
