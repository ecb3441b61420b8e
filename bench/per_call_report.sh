#!/usr/bin/env bash
# The report of one line per call (`--group-by call`), every format, two builds side by side:
# each format runs with BASE, then NEW, round after round; prints each one's median wall time
# and largest peak RSS, and whether the two wrote the same bytes. The report is serial work
# after the audit, and its memory grows with the calls, so it is measured on its own.
#
#   bash bench/per_call_report.sh ROUNDS INPUT BASE_BIN NEW_BIN [THREADS]
# Example (TweetSumm dev x100, 98,900 calls; see bench/replay_tweetsumm.py):
#   bash bench/per_call_report.sh 3 bench/data/tweetsumm-x100.csv /tmp/callaudit-main target/release/callaudit
set -euo pipefail
[ $# -ge 4 ] || { sed -n 2,9p "$0"; exit 2; }
rounds=$1 input=$2 base=$3 new=$4 threads=${5:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for _ in $(seq "$rounds"); do
  for format in csv json markdown html table; do
    for label in base new; do
      if [ "$label" = base ]; then bin=$base; else bin=$new; fi
      /usr/bin/time -f "$format $label %e %M" -a -o "$work/times" \
        "$bin" audit "$input" -q --no-config --threads "$threads" --format "$format" \
        --group-by call > "$work/$format-$label.out" 2> /dev/null || true
    done
    if cmp -s "$work/$format-base.out" "$work/$format-new.out"; then
      echo "$format same $(stat -c %s "$work/$format-new.out")" >> "$work/same"
    else
      echo "$format DIFFERENT 0" >> "$work/same"
    fi
  done
done
python3 - "$work/times" "$work/same" <<'PY'
import collections, statistics as st, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) == 4:
        runs[(p[0], p[1])].append((float(p[2]), int(p[3])))
same = {}
for line in open(sys.argv[2]):
    f, verdict, size = line.split()
    same[f] = (verdict if same.get(f, (verdict,))[0] == verdict else "DIFFERENT", int(size))
print("| format | output | base: median wall (s) | new | base: peak RSS (MB) | new | output same |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for f in ["csv", "json", "markdown", "html", "table"]:
    b, n = runs[(f, "base")], runs[(f, "new")]
    print(f"| {f} | {same[f][1] / 1e6:.0f} MB | {st.median(x[0] for x in b):.2f} | "
          f"{st.median(x[0] for x in n):.2f} | {max(x[1] for x in b) / 1024:.0f} | "
          f"{max(x[1] for x in n) / 1024:.0f} | {same[f][0]} |")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
