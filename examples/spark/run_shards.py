"""Runs `callaudit audit --shard I/N --save-partial` on Apache Spark executors and merges the
shards into one report, the same report one `callaudit audit` over the inputs gives.

    pip install pyspark            # Java 17 on PATH
    python3 examples/spark/run_shards.py --shards 4 --callaudit target/release/callaudit \
        --out /tmp/shards exports/day1.csv exports/day2.csv -- --format html -o week.html

Spark ships the input files to the executors (SparkContext.addFile), each task audits one shard
(a call belongs to shard I when FNV-1a 64 of its id, modulo N, is I-1: every call is in exactly
one shard, whatever machine computes it) with the inputs under the same relative names, and
returns its partial to the driver, which runs `callaudit merge`. The callaudit binary must be
on every executor (here: local mode, one machine). Arguments after `--` go to `merge`.
Not run in CI: it needs pyspark and a JVM.
"""

import argparse
import os
import subprocess
import sys
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--callaudit", default="callaudit", help="the callaudit binary on the executors")
    ap.add_argument("--master", default="local[*]")
    ap.add_argument("--out", default="shards", help="directory for the partials")
    ap.add_argument("--audit-arg", action="append", default=[], help="an extra audit option (repeatable)")
    ap.add_argument("inputs", nargs="+", help="input files; after --, merge options")
    argv = sys.argv[1:]
    merge_args = []
    if "--" in argv:
        i = argv.index("--")
        argv, merge_args = argv[:i], argv[i + 1 :]
    args = ap.parse_args(argv)
    binary = os.path.abspath(args.callaudit) if os.sep in args.callaudit else args.callaudit

    from pyspark import SparkFiles
    from pyspark.sql import SparkSession

    started = time.time()
    spark = SparkSession.builder.master(args.master).appName("callaudit-shards").getOrCreate()
    sc = spark.sparkContext
    sc.setLogLevel("WARN")
    names = []
    for path in args.inputs:
        sc.addFile(os.path.abspath(path))
        names.append(os.path.basename(path))
    if len(set(names)) != len(names):
        sys.exit("run_shards: inputs need distinct file names (they are shipped by name)")
    n = args.shards
    audit_args = list(args.audit_arg)

    def audit_shard(index: int):
        # Same relative names on every executor, so the shards' partials name the same inputs.
        root = SparkFiles.getRootDirectory()
        partial = os.path.join(root, f"shard-{index}-of-{n}.partial")
        cmd = [binary, "audit", *names, "--shard", f"{index}/{n}", "--save-partial", partial,
               "-o", "/dev/null", "--quiet", "--no-config", *audit_args]
        done = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"shard {index}/{n}: exit {done.returncode}: {done.stderr}")
        with open(partial, "rb") as f:
            return index, f.read()

    audited = time.time()
    results = sc.parallelize(range(1, n + 1), n).map(audit_shard).collect()
    audit_secs = time.time() - audited
    spark.stop()

    os.makedirs(args.out, exist_ok=True)
    partials = []
    for index, data in sorted(results):
        path = os.path.join(args.out, f"shard-{index}-of-{n}.partial")
        with open(path, "wb") as f:
            f.write(data)
        partials.append(path)
    merged = subprocess.run([binary, "merge", *partials, *merge_args])
    print(
        f"run_shards: {n} shards audited on Spark in {audit_secs:.1f} s; "
        f"{time.time() - started:.1f} s with Spark's start and the merge",
        file=sys.stderr,
    )
    sys.exit(merged.returncode)


if __name__ == "__main__":
    main()
