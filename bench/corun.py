#!/usr/bin/env python3
"""Two threads of one process against two one-thread processes at once.

  python3 bench/corun.py ROUNDS INPUT BINARY [VAR=VALUE...]

Each round runs `BINARY audit INPUT -q --format csv` with --threads 1 alone, twice with --threads 1
at the same time, and with --threads 2 alone, and prints medians of wall and user time per process.
If two one-thread processes at once slow each other as little as they do alone, the extra CPU of
--threads 2 is the process's own, not the machine's. Every run's foreign CPU (what the machine
spent outside it, from /proc/stat) is printed; runs with more than 0.15 CPU-seconds per second of
others' work are counted apart as not clean."""
import os, sys, time, subprocess, statistics as st, collections
HZ = os.sysconf('SC_CLK_TCK')
def busy():
    v = list(map(int, open('/proc/stat').readline().split()[1:]))
    return (sum(v) - v[3] - v[4]) / HZ
rounds, inp, binp = int(sys.argv[1]), sys.argv[2], sys.argv[3]
env = dict(os.environ)
for kv in sys.argv[4:]:
    k, v = kv.split('=', 1); env[k] = v
def start(t):
    return subprocess.Popen([binp, 'audit', inp, '-q', '--threads', str(t), '--format', 'csv'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
res = collections.defaultdict(list)
for r in range(rounds):
    for label, ts in (("t1-alone", [1]), ("t1-corun", [1, 1]), ("t2-alone", [2])):
        b0 = busy(); w0 = time.time()
        ps = [start(t) for t in ts]
        users = []; own = 0
        for p in ps:
            _, _, ru = os.wait4(p.pid, 0)
            users.append(ru.ru_utime); own += ru.ru_utime + ru.ru_stime
        w = time.time() - w0
        f = max(0, busy() - b0 - own) / w
        res[label].append((w, sum(users) / len(users), f))
for k, v in res.items():
    clean = [x for x in v if x[2] <= 0.15]
    s = lambda xs: f"wall {st.median(x[0] for x in xs):5.2f} user/process {st.median(x[1] for x in xs):5.2f}" if xs else "-"
    print(f"{k:9s} clean {len(clean)}/{len(v)}: {s(clean)} | all: {s(v)} | foreign {[round(x[2],2) for x in v]} users {[round(x[1],2) for x in v]}")
print("load:", open('/proc/loadavg').read().split()[:3])
