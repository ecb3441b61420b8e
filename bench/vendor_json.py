#!/usr/bin/env python3
"""Writes one vendor JSON file per call of an utterance CSV (examples/generate.rs output), the
way Contact Lens and Transcribe Call Analytics export them: alternately a Transcribe document
and a Contact Lens voice analysis file, each with the per-turn extras real exports carry
(sentiment, loudness scores, redaction), so that a file is ~13 KB like a real one.

    python3 bench/vendor_json.py CSV DIR
"""
import csv, json, os, sys

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)


def loudness(start, end):
    return [round(60 + ((start // 1000 + k) * 7919 % 300) / 10, 2) for k in range(max(1, (end - start) // 1000))]


def write(call_id, agent, date, turns, n):
    if n % 2 == 0:
        doc = {
            "JobName": call_id,
            "LanguageCode": "en-US",
            "AccountId": "000000000000",
            "Channel": "VOICE",
            "Participants": [{"ParticipantRole": "AGENT"}, {"ParticipantRole": "CUSTOMER"}],
            "Transcript": [
                {
                    "Id": f"{call_id}-{i}",
                    "ParticipantRole": "AGENT" if sp == "agent" else "CUSTOMER",
                    "Content": text,
                    "BeginOffsetMillis": s,
                    "EndOffsetMillis": e,
                    "Sentiment": "NEUTRAL",
                    "LoudnessScores": loudness(s, e),
                }
                for i, (sp, text, s, e) in enumerate(turns)
            ],
            "ConversationCharacteristics": {
                "NonTalkTime": {"Instances": [], "TotalTimeMillis": 0},
                "Interruptions": {"TotalCount": 0, "TotalTimeMillis": 0, "InterruptionsByInterrupter": {}},
                "TotalConversationDurationMillis": turns[-1][3] if turns else 0,
            },
        }
        name = f"{date}_{agent}_{call_id}.json"
    else:
        doc = {
            "Version": "1.1.0",
            "AccountId": "000000000000",
            "Channel": "VOICE",
            "LanguageCode": "en-US",
            "CustomerMetadata": {"ContactId": call_id, "InstanceId": "inst-0"},
            "Participants": [
                {"ParticipantId": "AGENT", "ParticipantRole": "AGENT"},
                {"ParticipantId": "CUSTOMER", "ParticipantRole": "CUSTOMER"},
            ],
            "Transcript": [
                {
                    "Id": f"{call_id}-{i}",
                    "ParticipantId": "AGENT" if sp == "agent" else "CUSTOMER",
                    "Content": text,
                    "BeginOffsetMillis": s,
                    "EndOffsetMillis": e,
                    "Sentiment": "NEUTRAL",
                    "LoudnessScore": loudness(s, e),
                }
                for i, (sp, text, s, e) in enumerate(turns)
            ],
            "ConversationCharacteristics": {
                "NonTalkTime": {"Instances": [], "TotalTimeMillis": 0},
                "Interruptions": {"TotalCount": 0, "TotalTimeMillis": 0, "InterruptionsByInterrupter": {}},
            },
        }
        name = f"{call_id}_analysis_{date}T10:00:00Z.json"
    with open(os.path.join(out, name), "w") as f:
        json.dump(doc, f, indent=2)


n = 0
current, rows = None, []
with open(src, newline="") as f:
    for r in csv.DictReader(f):
        if r["call_id"] != current and rows:
            write(current, meta[0], meta[1], rows, n)
            n += 1
            rows = []
        current, meta = r["call_id"], (r["agent_id"], r["date"])
        rows.append((r["speaker"], r["text"], int(r["start_ms"] or 0), int(r["end_ms"] or 0)))
if rows:
    write(current, meta[0], meta[1], rows, n)
