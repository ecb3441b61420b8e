"""Writes BENCHMARKS.md from the measurements bench/run.sh left in RESULTS.

    python3 bench/report.py RESULTS SYNTHETIC.csv [REAL.csv] [BIG.csv]
"""

import json
import os
import platform
import subprocess
import sys


def sh(cmd: str) -> str:
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def commit() -> str:
    """The measured build's commit, marked when the work tree had changes."""
    head = sh("git rev-parse --short HEAD 2>/dev/null") or "unknown"
    # BENCHMARKS.md itself is being rewritten while this runs: not a change to the build.
    dirty = sh("git status --porcelain --untracked-files=no -- . ':!BENCHMARKS.md' 2>/dev/null")
    return f"`{head}`" + (" with uncommitted changes" if dirty else "")


def cpu() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


RESULTS = ""


def file_facts(path: str) -> str:
    """Size, and the utterances and calls callaudit's own accounting counted."""
    size = os.path.getsize(path) / 1e6
    report = os.path.join(RESULTS, os.path.basename(path)[: -len(".csv")] + "-report.json")
    try:
        acct = json.load(open(report))["accounting"]
        return f"{size:,.0f} MB, {acct['rows_read']:,} utterances, {acct['calls']:,} calls"
    except (OSError, KeyError, ValueError):
        return f"{size:,.0f} MB"


def medians(results: str, name: str) -> dict:
    out = {}
    for suffix in ("", "-duckdb"):
        path = os.path.join(results, f"{name}{suffix}.json")
        if os.path.exists(path):
            for r in json.load(open(path))["results"]:
                out[r["command"]] = (r["median"], r["stddev"] or 0.0, len(r["times"]), r["min"])
    return out


def rss(results: str, name: str, what: str) -> str:
    path = os.path.join(results, f"{name}-rss-{what}.txt")
    if not os.path.exists(path):
        return "–"
    return f"{int(open(path).read().split()[-1]) / 1024:.1f} MB"


def section(results: str, path: str, title: str) -> list[str]:
    name = os.path.basename(path)[: -len(".csv")]
    m = medians(results, name)
    rg = m.get("rg -c -i -F -f PHRASES", (float("nan"),))[0]
    t1 = m.get("callaudit --threads 1", (float("nan"),))[0]
    lines = [
        f"### {title}",
        "",
        f"`{path}`: {file_facts(path)}.",
        "",
        "| command | median | fastest | ± | runs | vs rg | vs 1 thread | peak RSS |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    anchors = m.get("rg -c -i -F -f ANCHORS", (float("nan"),))[0]
    lines[-2] = "| command | median | fastest | ± | runs | vs rg | vs rg anchors | vs 1 thread | peak RSS |"
    lines[-1] = "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    rss_of = {
        "callaudit --threads 1": rss(results, name, "t1"),
        "callaudit --threads 2": rss(results, name, "t2"),
        "rg -c -i -F -f PHRASES": rss(results, name, "rg"),
        "DuckDB (Python)": rss(results, name, "duckdb"),
    }
    for cmd, (med, sd, n, fastest) in m.items():
        lines.append(
            f"| `{cmd}` | {med:.2f} s | {fastest:.2f} s | {sd:.2f} | {n} | {med / rg:.2f} | {med / anchors:.2f} | {t1 / med:.2f}× | {rss_of.get(cmd, '–')} |"
        )
    t2 = m.get("callaudit --threads 2", (float("nan"),))[0]
    duck = m.get("DuckDB (Python)", (float("nan"),))[0]
    floor = m.get("floor --threads 2", (float("nan"),))[0]
    lines += [
        "",
        f"callaudit (2 threads) / rg = **{t2 / rg:.2f}** (target ≤ 0.7); / rg with the anchors = "
        f"**{t2 / anchors:.2f}** (target ≤ 2.0); DuckDB / callaudit (2 threads) = "
        f"**{duck / t2:.1f}×**; 2 threads vs 1 = **{t1 / t2:.2f}×** (target ≥ 1.8)."
        + (
            f" The floor, the same audit with a one-phrase rubric (2 threads), / rg = "
            f"**{floor / rg:.2f}**, / rg with the anchors = **{floor / anchors:.2f}**; the built-in "
            f"rubric's own share is {t2 - floor:.2f} s of {t2:.2f}."
            if floor == floor  # not NaN: results of a run that timed the floor
            else ""
        ),
        "",
    ]
    return lines


def main() -> None:
    global RESULTS
    results, syn = sys.argv[1], sys.argv[2]
    RESULTS = results
    real = sys.argv[3] if len(sys.argv) > 3 else ""
    big = sys.argv[4] if len(sys.argv) > 4 else ""
    mem = sh("free -g | awk '/Mem/ {print $2}'")
    duck = sh("python3 -c 'import duckdb; print(duckdb.__version__)'")
    tools = f"{sh('rustc --version')}; {sh('rg --version | head -1')}; {sh('hyperfine --version')}; duckdb {duck}"
    out = [
        "# Benchmarks",
        "",
        "Written by `bash bench/run.sh` (see the script for the knobs); every number below is a",
        f"measurement from that run, not an estimate: commit {commit()}, {sh('date -u +%Y-%m-%d')}.",
        "",
        "## Machine",
        "",
        f"- CPU: {cpu()}, {os.cpu_count()} logical cores",
        f"- Memory: {mem} GiB; OS: {platform.platform()}",
        f"- {tools}",
        "",
        "## Commands",
        "",
        "- `callaudit audit --quiet --threads N --format csv FILE > /dev/null`: the whole audit (read,",
        "  normalise, match, score, aggregate, render) with the built-in rubric.",
        "- `floor --threads 2`: the same audit with `--rubric bench/floor.toml`, one item of one",
        "  phrase that never occurs: everything but the rubric's matching (reading, assembling calls,",
        "  normalising every turn, one pass of a trivial automaton, scoring, rendering).",
        "- `rg -c -i -F -f PHRASES FILE`: ripgrep counting lines with any of the built-in rubric's",
        "  literal phrases, case-insensitively: the cost of merely scanning for the phrases.",
        "- `python3 bench/duckdb_counts.py RUBRIC FILE`: DuckDB over the CSV, per-agent counts of the",
        "  calls where each item's literal phrases occur (one regex per item), 2 threads.",
        "- Peak RSS from `/usr/bin/time -f %M`.",
        "",
        "## Results",
        "",
    ]
    out += section(results, syn, "Synthetic transcripts (examples/generate.rs, seed 7)")
    if real:
        out += section(results, real, "Real text: TweetSumm dev replayed 100 times (bench/replay_tweetsumm.py)")
    if big:
        p = os.path.join(results, "big.txt")
        if os.path.exists(p):
            secs, kb = open(p).read().split()
            name = os.path.basename(syn)[: -len(".csv")]
            small = rss(results, name, "t2")
            out += [
                "### Memory is flat with input size",
                "",
                f"`{big}`: {file_facts(big)}: `callaudit --threads 2` took {float(secs):.1f} s "
                f"with a peak RSS of **{int(kb) / 1024:.1f} MB** (vs {small} on the "
                f"{os.path.getsize(syn) / 1e6:,.0f} MB file).",
                "",
            ]
    json_dir = os.environ.get("JSON_DIR", "")
    if json_dir:
        out += json_section(results, json_dir)
    out += criterion_section()
    out += targets_section(results, syn, big)
    print("\n".join(out).rstrip())


def targets_section(results: str, syn: str, big: str) -> list[str]:
    """The performance targets of the project's issue, against this run's numbers."""
    name = os.path.basename(syn)[: -len(".csv")]
    m = medians(results, name)
    get = lambda k, i=0: m.get(k, (float("nan"),) * 4)[i]
    t1, t2 = get("callaudit --threads 1"), get("callaudit --threads 2")
    rg, duck = get("rg -c -i -F -f PHRASES"), get("DuckDB (Python)")
    # The same ratios from each command's fastest run: on a shared virtual machine the
    # neighbours' load only ever adds time, so the fastest runs are the closest to the code's own.
    f1, f2 = get("callaudit --threads 1", 3), get("callaudit --threads 2", 3)
    frg, fduck = get("rg -c -i -F -f PHRASES", 3), get("DuckDB (Python)", 3)

    def mb(path: str) -> float:
        try:
            return int(open(path).read().split()[-1]) / 1024
        except (OSError, ValueError, IndexError):
            return float("nan")

    small = mb(os.path.join(results, f"{name}-rss-t2.txt"))
    large = mb(os.path.join(results, "big.txt")) if big else float("nan")
    rows = [
        ("callaudit (2 threads) / rg", f"{t2 / rg:.2f}", f"{f2 / frg:.2f}", "≤ 1.0 (aim 0.7)", t2 / rg <= 1.0),
        ("DuckDB / callaudit (2 threads)", f"{duck / t2:.1f}×", f"{fduck / f2:.1f}×", "≥ 8×", duck / t2 >= 8),
        ("2 threads vs 1", f"{t1 / t2:.2f}×", f"{f1 / f2:.2f}×", "≥ 1.8×", t1 / t2 >= 1.8),
        ("peak RSS, 174 MB file", f"{small:.1f} MB", "", "≤ 64 MB", small <= 64),
        (
            "peak RSS, 1.7 GB vs 174 MB",
            f"{large:.1f} vs {small:.1f} MB ({(large / small - 1) * 100:+.0f} %)",
            "",
            "within 20 %",
            abs(large / small - 1) <= 0.2,
        )
        if large == large  # not NaN: the large file was measured
        else ("peak RSS, 1.7 GB vs 174 MB", "not measured in this run (BIG_CALLS=0)", "", "within 20 %", None),
    ]
    out = [
        "## Targets (synthetic file)",
        "",
        "Measured on medians (\"met\" is judged on them); the fastest runs are shown beside them",
        "because this is a shared virtual machine whose neighbours' load varies from run to run.",
        "",
        "| target | measured (medians) | fastest runs | goal | met |",
        "| --- | --- | --- | --- | --- |",
    ]
    met = lambda ok: "–" if ok is None else "yes" if ok else "**no**"
    out += [f"| {n} | {v} | {f} | {g} | {met(ok)} |" for n, v, f, g, ok in rows]
    out += [
        "",
        "Where callaudit is slower than ripgrep: rg only looks for literal phrases in raw bytes",
        "(SIMD literal search, one line at a time); callaudit parses the CSV, assembles calls,",
        "normalises every turn (case, apostrophes, contractions, sentence marks, emoji), runs an",
        "overlapping Aho-Corasick scan (an NFA, dense near its start) over every word, checks stems, number slots and",
        "NEAR, evaluates 22 items with",
        "sentence, window and sequencing rules, and aggregates. On real text, where rg's",
        "case-insensitive search meets non-ASCII, the gap narrows (see above).",
        "",
    ]
    return out


def json_section(results: str, path: str) -> list[str]:
    """The one-file-per-contact vendor JSON case: 1 vs 2 threads, against cat of the files."""
    name = os.path.basename(path.rstrip("/"))
    m = medians(results, name)
    get = lambda k: m.get(k, (float("nan"),))[0]
    t1, t2, cat = get("callaudit --threads 1"), get("callaudit --threads 2"), get("cat")
    files = [os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs]
    size = sum(os.path.getsize(f) for f in files) / 1e6
    lines = [
        "### Vendor JSON, one file per contact (bench/vendor_json.py)",
        "",
        f"`{path}`: {len(files):,} files, {size:,.0f} MB (Transcribe and Contact Lens alternately).",
        "",
        "| command | median | fastest | ± | runs | vs cat | vs 1 thread | peak RSS |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    rss_of = {"callaudit --threads 1": rss(results, name, "t1"), "callaudit --threads 2": rss(results, name, "t2")}
    for cmd, (med, sd, n, fastest) in m.items():
        lines.append(
            f"| `{cmd}` | {med:.2f} s | {fastest:.2f} s | {sd:.2f} | {n} | {med / cat:.2f} | {t1 / med:.2f}× | {rss_of.get(cmd, '–')} |"
        )
    lines += [
        "",
        f"2 threads vs 1 = **{t1 / t2:.2f}×** (target ≥ 1.8); callaudit (2 threads) / cat = "
        f"**{t2 / cat:.2f}** (target ≤ 3).",
        "",
    ]
    return lines


def criterion_section() -> list[str]:
    """Medians of the hot-path benches (cargo bench --bench hot_path)."""
    base = os.path.join("target", "criterion")
    rows = []
    for group, name in [
        ("turn", "normalise"),
        ("turn", "scan/builtin"),
        ("turn", "scan/2000_extra_phrases"),
        ("turn", "normalise+scan/builtin"),
        ("turn", "normalise+scan/2000_extra_phrases"),
        ("call", "audit/builtin"),
        ("call", "audit/2000_extra_phrases"),
        ("call", "audit/builtin_with_evidence"),
    ]:
        # criterion writes a function name's "/" as "_" in its directory name.
        path = os.path.join(base, group, name.replace("/", "_"), "new", "estimates.json")
        if os.path.exists(path):
            est = json.load(open(path))
            rows.append((f"{group}/{name}", est["median"]["point_estimate"]))
    if not rows:
        return []
    t = dict(rows)
    out = [
        "### Hot path (criterion, `cargo bench --bench hot_path`)",
        "",
        "A 250-byte agent turn, and an 8-turn call; the large rubric is the built-in one plus",
        "2,000 generated phrases.",
        "",
        "| bench | median |",
        "| --- | --- |",
    ]
    out += [f"| `{n}` | {ns / 1000:.2f} µs |" for n, ns in rows]
    ratios = []
    for a, b in [
        ("turn/normalise+scan/2000_extra_phrases", "turn/normalise+scan/builtin"),
        ("call/audit/2000_extra_phrases", "call/audit/builtin"),
    ]:
        if a in t and b in t:
            ratios.append(f"`{a}` / `{b}` = **{t[a] / t[b]:.2f}×**")
    if ratios:
        out += ["", "A 2,000-phrase rubric against the built-in one: " + "; ".join(ratios) + " (limit: 2×).", ""]
    return out


if __name__ == "__main__":
    main()
