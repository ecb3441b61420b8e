#!/usr/bin/env python3
"""Short runs timed side by side: each binary in turn, round after round, so that a shared
machine's drift falls on all of them alike; prints the fastest, 10th percentile and median wall
time of each. For runs too short for hyperfine's one-command-after-another to compare (a
one-call audit's start-up is ~25-40 ms).

    python3 bench/alternate.py INPUT ROUNDS BINARY@THREADS...

Each BINARY@THREADS runs `BINARY audit INPUT -q --format csv --threads THREADS`. Example (the
start-up of two builds, at two threads):
    python3 bench/alternate.py examples/data/calls.csv 60 /tmp/before@2 target/release/callaudit@2
"""
import statistics
import subprocess
import sys
import time

if len(sys.argv) < 4:
    sys.exit(__doc__)
path, rounds, specs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
times = {spec: [] for spec in specs}
for _ in range(rounds):
    for spec in specs:
        binary, _, threads = spec.rpartition("@")
        start = time.perf_counter()
        subprocess.run(
            [binary, "audit", path, "-q", "--format", "csv", "--threads", threads],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        times[spec].append(time.perf_counter() - start)
for spec, t in times.items():
    t.sort()
    print(f"{spec:50} min {t[0]*1e3:7.1f}  p10 {t[len(t)//10]*1e3:7.1f}  "
          f"median {statistics.median(t)*1e3:7.1f} ms  ({len(t)} runs)")
