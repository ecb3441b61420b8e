#!/bin/sh
# The plain-shell equivalent of run_shards.py: N shards as background processes, then merge.
#   examples/spark/run_shards.sh 4 target/release/callaudit OUTDIR INPUT... [-- MERGE OPTIONS]
set -eu
n=$1; bin=$2; out=$3; shift 3
inputs=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do inputs="$inputs $1"; shift; done
[ $# -gt 0 ] && shift
mkdir -p "$out"
i=1
while [ "$i" -le "$n" ]; do
    # shellcheck disable=SC2086
    "$bin" audit $inputs --shard "$i/$n" --save-partial "$out/shard-$i-of-$n.partial" \
        -o /dev/null --quiet --no-config &
    i=$((i + 1))
done
wait
i=1; partials=""
while [ "$i" -le "$n" ]; do partials="$partials $out/shard-$i-of-$n.partial"; i=$((i + 1)); done
# shellcheck disable=SC2086
exec "$bin" merge $partials "$@"
