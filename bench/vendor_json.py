#!/usr/bin/env python3
"""Writes one vendor JSON file per call of an utterance CSV (examples/generate.rs output), the
way the vendors export them, each with the per-turn extras real exports carry (sentiment,
loudness scores, word timings, redaction), so that a file is ~13 KB like a real one.

    python3 bench/vendor_json.py CSV DIR [--formats transcribe,contact-lens]

--formats names the formats written, in turn: transcribe, contact-lens (the default: how
Contact Lens and Transcribe Call Analytics export), genesys (Genesys Cloud speech analytics
transcripts), ccai-import and ccai-api (Google CCAI Insights, import format and API
conversation), pca (Amazon's post-call analytics sample solution). Nothing comes from real data: the text is the CSV's.
"""
import csv, json, os, sys

args = sys.argv[1:]
formats = ["transcribe", "contact-lens"]
if "--formats" in args:
    i = args.index("--formats")
    formats = args[i + 1].split(",")
    del args[i : i + 2]
src, out = args
os.makedirs(out, exist_ok=True)
KNOWN = {"transcribe", "contact-lens", "genesys", "ccai-import", "ccai-api", "pca"}
if not formats or set(formats) - KNOWN:
    sys.exit(f"--formats: expected some of {', '.join(sorted(KNOWN))}")


def loudness(start, end):
    return [round(60 + ((start // 1000 + k) * 7919 % 300) / 10, 2) for k in range(max(1, (end - start) // 1000))]


def epoch_ms(date):
    """Epoch milliseconds of 10:00 UTC on a YYYY-MM-DD date."""
    import datetime

    d = datetime.datetime.strptime(date, "%Y-%m-%d").replace(hour=10, tzinfo=datetime.timezone.utc)
    return int(d.timestamp() * 1000)


def words(text, s, e):
    """Word timings spread evenly over the turn, as speech analytics give them."""
    ws = text.split() or [""]
    step = max(1, (e - s) // len(ws))
    return [(w, s + k * step, s + (k + 1) * step) for k, w in enumerate(ws)]


def genesys(call_id, agent, date, turns):
    t0 = epoch_ms(date)
    return {
        "organizationId": "org-0000",
        "conversationId": call_id,
        "communicationId": f"{call_id}-comm",
        "mediaType": "call",
        "conversationStartTime": t0,
        "startTime": t0 + 1000,
        "duration": {"milliseconds": turns[-1][3] if turns else 0},
        "participants": [
            {"participantPurpose": "customer", "ani": "tel:+000000000000", "startTimeMs": t0},
            {"participantPurpose": "acd", "queueId": "queue-0"},
            {"participantPurpose": "agent", "userId": agent, "teamId": "team-0", "queueId": "queue-0"},
        ],
        "transcripts": [
            {
                "transcriptId": f"{call_id}-tr",
                "language": "en-us",
                "startTime": t0 + 1000,
                "phrases": [
                    {
                        "text": text,
                        "stability": 100,
                        "startTimeMs": t0 + s,
                        "duration": {"milliseconds": e - s},
                        "words": [
                            {"confidence": 0.9, "startTimeMs": t0 + ws, "duration": {"milliseconds": we - ws}, "word": w}
                            for w, ws, we in words(text, s, e)
                        ],
                        "decoratedText": text,
                        "participantPurpose": "internal" if sp == "agent" else "external",
                        "offset": {"milliseconds": s},
                    }
                    for sp, text, s, e in turns
                ],
                "analytics": {"sentiment": [{"phrase": i, "sentiment": 0.0} for i in range(len(turns))]},
            }
        ],
        "uri": f"/api/v2/speechandtextanalytics/conversations/{call_id}/transcript",
    }


def ccai_import(call_id, agent, date, turns):
    t0 = epoch_ms(date) * 1000
    return {
        "entries": [
            {
                "start_timestamp_usec": t0 + s * 1000,
                "text": text,
                "role": "AGENT" if sp == "agent" else "CUSTOMER",
                "user_id": 2 if sp == "agent" else 1,
            }
            for sp, text, s, e in turns
        ]
    }


def ccai_api(call_id, agent, date, turns):
    return {
        "name": f"projects/demo/locations/us-central1/conversations/{call_id}",
        "createTime": f"{date}T10:05:00Z",
        "startTime": f"{date}T10:00:00Z",
        "duration": f"{(turns[-1][3] if turns else 0) / 1000}s",
        "agentId": agent,
        "medium": "PHONE_CALL",
        "languageCode": "en-US",
        "callMetadata": {"customerChannel": 1, "agentChannel": 2},
        "qualityMetadata": {"agentInfo": [{"agentId": agent, "displayName": agent, "team": "team-0"}]},
        "transcript": {
            "transcriptSegments": [
                {
                    "text": text,
                    "confidence": 0.9,
                    "words": [
                        {"startOffset": f"{ws / 1000:.3f}s", "endOffset": f"{we / 1000:.3f}s", "word": w, "confidence": 0.9}
                        for w, ws, we in words(text, s, e)
                    ],
                    "languageCode": "en-US",
                    "channelTag": 2 if sp == "agent" else 1,
                    "segmentParticipant": {"role": "HUMAN_AGENT" if sp == "agent" else "END_USER"},
                    "sentiment": {"magnitude": 0.1, "score": 0.0},
                }
                for sp, text, s, e in turns
            ]
        },
    }


def pca(call_id, agent, date, turns):
    """PCA's output: times in seconds, roles only through SpeakerLabels, per-word confidence."""
    return {
        "ConversationAnalytics": {
            "GUID": call_id,
            "Agent": agent,
            "ConversationTime": f"{date} 10:00:00.000000",
            "LanguageCode": "en-US",
            "SpeakerLabels": [{"Speaker": "spk_0", "DisplayText": "Agent"}, {"Speaker": "spk_1", "DisplayText": "Customer"}],
            "SpeakerTime": {
                "NonTalkTime": {"Instances": [], "TotalTimeSecs": 0.0},
                "spk_0": {"TotalTimeSecs": 0.0},
                "spk_1": {"TotalTimeSecs": 0.0},
            },
            "SourceInformation": [{"TranscribeJobInfo": {"TranscriptionJobName": call_id, "MediaFormat": "wav"}}],
        },
        "SpeechSegments": [
            {
                "SegmentStartTime": s / 1000,
                "SegmentEndTime": e / 1000,
                "SegmentSpeaker": "spk_0" if sp == "agent" else "spk_1",
                "SegmentInterruption": False,
                "IVRSegment": False,
                "OriginalText": text,
                "DisplayText": text,
                "TextEdited": 0,
                "LoudnessScores": loudness(s, e),
                "SentimentIsPositive": 0,
                "SentimentIsNegative": 0,
                "SentimentScore": 0.0,
                "BaseSentimentScores": {"Positive": 0.0, "Negative": 0.0, "Neutral": 1.0, "Mixed": 0.0},
                "WordConfidence": [
                    {"Text": w, "Confidence": 0.9, "StartTime": ws / 1000, "EndTime": we / 1000}
                    for w, ws, we in words(text, s, e)
                ],
            }
            for sp, text, s, e in turns
        ],
    }


def write(call_id, agent, date, turns, n):
    fmt = formats[n % len(formats)]
    if fmt in ("genesys", "ccai-import", "ccai-api", "pca"):
        make = {"genesys": genesys, "ccai-import": ccai_import, "ccai-api": ccai_api, "pca": pca}[fmt]
        name = f"{date}_{agent}_{call_id}.json"
        with open(os.path.join(out, name), "w") as f:
            json.dump(make(call_id, agent, date, turns), f, indent=2)
        return
    if fmt == "transcribe":
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
