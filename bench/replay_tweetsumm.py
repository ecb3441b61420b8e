"""Real text at scale: replays ../shared/data/tweetsumm/tweetsumm-dev.csv K times with fresh call
ids and about 5,000 agent ids, as an utterance CSV on stdout.

    python3 bench/replay_tweetsumm.py 100 > tweetsumm-x100.csv
    python3 bench/replay_tweetsumm.py 100 --jsonl > tweetsumm-x100.jsonl

With --jsonl it writes conversation JSONL instead (one call a line, `{call_id, agent_id, turns:
[{speaker, text}]}`, turns in the CSV's order), the same calls as the CSV.

Each copy of a conversation gets the call id `<original>-<copy>` and an agent id
`<brand>-<n>` with n chosen deterministically, so the brands' styles are spread over ~5,000
agents. Needs ../shared (not part of the repository); TWEETSUMM_CSV=PATH replays another CSV
of the same columns instead (e.g. the dev set without its held-out conversations).
"""

import csv
import hashlib
import json
import os
import sys

SOURCE = os.environ.get("TWEETSUMM_CSV") or os.path.join(
    os.path.dirname(__file__), "..", "..", "shared", "data", "tweetsumm", "tweetsumm-dev.csv"
)


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--jsonl"]
    jsonl = "--jsonl" in sys.argv[1:]
    copies = int(args[0]) if args else 10
    if not os.path.exists(SOURCE):
        sys.exit(f"replay_tweetsumm: {SOURCE} not found (it lives in ../shared, outside the repository)")
    with open(SOURCE, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    brands = sorted({r["agent_id"] for r in rows})
    per_brand = max(1, 5000 // len(brands))
    if jsonl:
        calls = {}
        for r in rows:
            calls.setdefault(r["call_id"], []).append(r)
        for copy in range(copies):
            for call_id, turns in calls.items():
                key = f"{call_id}-{copy}".encode()
                n = int.from_bytes(hashlib.blake2b(key, digest_size=4).digest(), "big") % per_brand
                line = {
                    "call_id": f"{call_id}-{copy}",
                    "agent_id": f"{turns[0]['agent_id']}-{n}",
                    "turns": [{"speaker": t["speaker"], "text": t["text"]} for t in turns],
                }
                sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        return
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["call_id", "agent_id", "turn", "speaker", "text"])
    for copy in range(copies):
        for r in rows:
            key = f"{r['call_id']}-{copy}".encode()
            n = int.from_bytes(hashlib.blake2b(key, digest_size=4).digest(), "big") % per_brand
            out.writerow([f"{r['call_id']}-{copy}", f"{r['agent_id']}-{n}", r["turn"], r["speaker"], r["text"]])


if __name__ == "__main__":
    main()
