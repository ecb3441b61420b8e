"""What an analyst would reach for: DuckDB over the utterance CSV, counting per agent the calls
in which each rubric item's literal phrases occur (case-insensitive, whole words).

    python3 bench/duckdb_counts.py RUBRIC.toml CALLS.csv

Prints one row per agent. It is the comparison in bench/run.sh, not part of callaudit.
"""

import re
import sys
import tomllib

import duckdb


def main() -> None:
    rubric = tomllib.load(open(sys.argv[1], "rb"))
    path = sys.argv[2]
    filters = []
    for item in rubric["item"]:
        literals = [
            p.lower().replace("\u2019", "'")
            for p in item.get("phrases", [])
            if not any(t in p for t in ("*", "{num}", "NEAR/", "BEFORE/"))
        ]
        if not literals:
            continue
        pattern = r"\b(" + "|".join(re.escape(p) for p in literals) + r")\b"
        speaker = item.get("speaker", "agent")
        who = "" if speaker == "any" else f"speaker = '{speaker}' AND "
        filters.append(
            f"count(DISTINCT call_id) FILTER (WHERE {who}regexp_matches(lower(text), "
            f"'{pattern.replace(chr(39), chr(39) * 2)}')) AS \"{item['id']}\""
        )
    query = (
        f"SELECT agent_id, count(DISTINCT call_id) AS calls, {', '.join(filters)} "
        f"FROM read_csv_auto('{path}') GROUP BY agent_id ORDER BY agent_id"
    )
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    rows = con.execute(query).fetchall()
    for r in rows:
        print(",".join(str(v) for v in r))


if __name__ == "__main__":
    main()
