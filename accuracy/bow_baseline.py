#!/usr/bin/env python3
"""A bag-of-words baseline for the items phrase lists miss (issue 12), on tune data only.

    python3 accuracy/bow_baseline.py [../shared/data/tweetsumm/tweetsumm-dev.csv]

Trains a logistic regression on word unigrams and bigrams of one side of the conversation (the
customer's for customer_upset and customer_calmed, the agent's for the rest) on the tune part
minus tune2-b (`tune2-b.txt`, the 226 tune conversations kept as a check set), picks the decision
threshold by two-fold cross-validation there, and prints F1 on tune2-b. It never reads
`heldout.csv`. Its question: does a model that learns its own vocabulary from the labels
generalise better than the rubric's phrase lists? (docs/accuracy.md, "What the tune data can
still teach".) Pure Python, no dependencies, about 30 s.
"""
import collections, csv, math, os, random, re, sys

here = os.path.dirname(os.path.abspath(__file__))
dev = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../shared/data/tweetsumm/tweetsumm-dev.csv")
if not os.path.exists(dev):
    sys.exit(f"{dev} not found: this baseline needs the TweetSumm dev CSV from ../shared")
text = collections.defaultdict(lambda: {"customer": [], "agent": []})
for r in csv.DictReader(open(dev, encoding="utf-8")):
    text[r["call_id"]][r["speaker"]].append(r["text"])
labels = {r["call_id"]: r for r in csv.DictReader(open(os.path.join(here, "tune.csv")))}
check = set(open(os.path.join(here, "tune2-b.txt")).read().split())
train_ids = sorted(c for c in labels if c not in check)
check_ids = sorted(check)

TOKEN = re.compile(r"[a-z']+|[!?]+")
def features(cid, side):
    words = []
    for t in text[cid][side]:
        t = re.sub(r"@\w+|https?://\S+", "", t.lower())
        words += [w.replace("'", "") for w in TOKEN.findall(t)]
    return set(words) | {a + "_" + b for a, b in zip(words, words[1:])}

def train(xs, ys, epochs=30, lam=1e-3, rate=0.2):
    w, b = collections.defaultdict(float), 0.0
    order = list(range(len(xs)))
    random.seed(1)
    for _ in range(epochs):
        random.shuffle(order)
        for i in order:
            p = prob(w, b, xs[i])
            g = p - ys[i]
            b -= rate * g
            for f in xs[i]:
                w[f] -= rate * (g + lam * w[f])
    return w, b

def prob(w, b, x):
    z = b + sum(w.get(f, 0.0) for f in x)
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

def f1(truth, said):
    tp = sum(1 for t, s in zip(truth, said) if t and s)
    wrong = sum(1 for t, s in zip(truth, said) if t != s)
    return 2 * tp / (2 * tp + wrong) if tp else 0.0

ITEMS = [("customer_upset", "customer"), ("customer_calmed", "customer"), ("resolution", "agent"),
         ("transfer", "agent"), ("follow_up", "agent"), ("dismissive", "agent"), ("mirroring", "agent")]
print(f"train {len(train_ids)} conversations, check (tune2-b) {len(check_ids)}")
print(f"{'item':20s} {'check yes':>9s} {'cv F1':>6s} {'threshold':>9s} {'check F1':>8s}")
for item, side in ITEMS:
    xs = [features(c, side) for c in train_ids]
    ys = [int(labels[c][item]) for c in train_ids]
    half = len(xs) // 2
    scored = []
    for fit, test in ((range(half), range(half, len(xs))), (range(half, len(xs)), range(half))):
        w, b = train([xs[i] for i in fit], [ys[i] for i in fit])
        scored += [(prob(w, b, xs[i]), ys[i]) for i in test]
    best = max((f1([y for _, y in scored], [p >= th for p, _ in scored]), th) for th in [x / 20 for x in range(1, 20)])
    w, b = train(xs, ys)
    truth = [int(labels[c][item]) for c in check_ids]
    said = [prob(w, b, features(c, side)) >= best[1] for c in check_ids]
    print(f"{item:20s} {sum(truth):9d} {best[0]:6.2f} {best[1]:9.2f} {f1(truth, said):8.2f}")
