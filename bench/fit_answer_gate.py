"""Fit the learned "not found" gate of council answers (portal/council/gate.py) on the DEV halves
of the evaluation sets (tests/council/eval2..eval7), and report what it does, set by set, by
leave-one-set-out cross-validation.

1. Each set's minutes are ingested as text into a fresh SQLite database in a temporary folder
   (as tests/council/evalsets.py does), and `ask` answers every question of the set's DEV half
   without the gate (questions of the test half are never read). For each answer the rules found,
   its features (Answer.features) are recorded with its label: the question is answerable and
   the answer quotes the answering text (1), or not (0).
2. A logistic regression with few features and strong L2 regularisation (scikit-learn) estimates
   the probability that a found answer quotes its answer. Leave-one-set-out: fitted on five sets'
   dev halves, it predicts the sixth's. The threshold is the one that maximises "not found" recall
   over the pooled out-of-set predictions while the share of answerable questions whose answer
   quotes the answering text (quotes_answer) drops by at most --max-loss; the report gives the
   whole trade-off curve, the per-set figures before/after at that threshold, and the same
   figures with the threshold itself chosen without the held-out set (nested, unbiased).
3. With --write, the model fitted on all six dev halves and the threshold are written to
   portal/council/gate.py.

    .venv/bin/python -m bench.fit_answer_gate                # record, cross-validate, report
    .venv/bin/python -m bench.fit_answer_gate --reuse        # the last records (no ingest)
    .venv/bin/python -m bench.fit_answer_gate --reuse --write
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = ("eval2", "eval3", "eval4", "eval5", "eval6", "eval7")
RECORDS = Path(tempfile.gettempdir()) / "portal_answer_gate_records.json"
GATE = ROOT / "portal" / "council" / "gate.py"
# The features the gate reads (Answer.features has more, for the report's exploration).
FEATURES = ("sentence_best", "subject_told", "told_missing", "unknown_share", "score_ratio",
            "negation", "request", "table")  # fmt: skip
C = 0.1  # inverse of the L2 regularisation's strength (scikit-learn's C): strong
# The answers the gate learns from: those the rules found, and those whose quotes the rules found
# then declined (most unanswerable questions of the dev halves, whose rules were written on them:
# what an unanswerable question looks like once quoted, beyond the rules' own cases).
TRAIN_ON: tuple[str, ...] = ("found", "declined")
THRESHOLDS = [round(0.01 * i, 2) for i in range(0, 100)]  # the choice's grid
CURVE = THRESHOLDS[::5]  # ...and the trade-off curve's


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def record(sets: tuple[str, ...]) -> list[dict[str, object]]:
    """Every dev question of every set, answered without the gate: its set, whether it is
    answerable, whether the rules found quotes, whether they quote the answering text, and the
    features of a found answer."""
    from portal.council.answer import ask
    from portal.council.ingest import index_entities, ingest_paths
    from portal.db import make_engine, session_scope
    from portal.migrate import upgrade
    from portal.modules import register_tables
    from tests.council.evalsets import _questions, files, sources

    register_tables()
    rows: list[dict[str, object]] = []
    for name in sets:
        directory = ROOT / "tests" / "council" / name
        # the dev half only: the test half's questions are not even kept in memory
        dev = [q for q in _questions(directory) if q["split"] == "dev"]
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "minutes"
            target.mkdir()
            url = f"sqlite:///{tmp}/portal.sqlite3"
            upgrade(url)
            engine = make_engine(url)
            results, errors = ingest_paths(engine, files("text", target, directory))
            if errors or len(results) != len(sources(directory)):
                raise SystemExit(f"{name}: minutes not ingested: {errors}")
            index_entities(engine)
            log(f"{name}: {len(results)} minutes ingested in {time.perf_counter() - started:.0f} s")
            with session_scope(engine, write=False) as session:
                for n, q in enumerate(dev, 1):
                    texts = [_norm(str(a["text"])) for a in q["answers"]]  # type: ignore[attr-defined]
                    reply = ask(session, str(q["q"]), explain=True)
                    said = reply.quotes or reply.declined
                    quoted = any(t in _norm(qt.text) for qt in said for t in texts)
                    # found: by the rules; declined: the rules found quotes, then declined them
                    # (the features are those of the quotes declined); else not found earlier
                    stage = "found" if reply.found else "declined" if reply.features else "early"
                    rows.append({"set": name, "q": q["q"], "answerable": bool(texts),
                                 "found": reply.found, "stage": stage, "quoted": quoted,
                                 "quote": said[0].text[:300] if said else "",
                                 "features": reply.features})  # fmt: skip
                    if n % 25 == 0:
                        log(f"{name}: {n}/{len(dev)} dev questions asked")
            engine.dispose()
        log(f"{name}: {len(dev)} dev questions in {time.perf_counter() - started:.0f} s")
    return rows


def figures(rows: list[dict[str, object]], kept: list[bool]) -> tuple[float, float, float]:
    """quotes_answer, "not found" recall and precision when each row's answer is kept (found) or
    not (rows the rules did not find stay not found)."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    quoted = sum(bool(r["quoted"]) and k for r, k in zip(rows, kept, strict=True))
    said = [not k for k in kept]
    right = sum(s and not r["answerable"] for r, s in zip(rows, said, strict=True))
    return (
        quoted / max(1, len(answerable)),
        right / len(unanswerable) if unanswerable else 1.0,
        right / sum(said) if sum(said) else 1.0,
    )


def matrix(rows: list[dict[str, object]], features: tuple[str, ...]) -> list[list[float]]:
    return [[float(r["features"].get(f, 0.0)) for f in features] for r in rows]  # type: ignore[attr-defined]


def fit(rows: list[dict[str, object]], features: tuple[str, ...], c: float) -> object:
    """The scaler and the regression fitted on the answers among `rows` whose quotes the rules
    found (TRAIN_ON: found only, or also those the rules then declined)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    found = [r for r in rows if r["stage"] in TRAIN_ON]
    model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=1000))
    model.fit(matrix(found, features), [int(bool(r["quoted"])) for r in found])
    return model


def probabilities(
    model: object, rows: list[dict[str, object]], features: tuple[str, ...]
) -> list[float]:
    """Each row's probability (1.0 for the rows the rules did not find: the gate is not asked)."""
    found = [r for r in rows if r["found"]]
    p = iter(model.predict_proba(matrix(found, features))[:, 1] if found else [])  # type: ignore[attr-defined]
    return [float(next(p)) if r["found"] else 1.0 for r in rows]


def kept_at(rows: list[dict[str, object]], p: list[float], threshold: float) -> list[bool]:
    return [bool(r["found"]) and pi >= threshold for r, pi in zip(rows, p, strict=True)]


def out_of_set(
    rows: list[dict[str, object]], sets: list[str], features: tuple[str, ...], c: float
) -> list[float]:
    """Each row's probability from the model fitted on the other sets' rows."""
    p = [0.0] * len(rows)
    for held in sets:
        model = fit([r for r in rows if r["set"] != held], features, c)
        at = [i for i, r in enumerate(rows) if r["set"] == held]
        for i, pi in zip(at, probabilities(model, [rows[i] for i in at], features), strict=True):
            p[i] = pi
    return p


def choose(rows: list[dict[str, object]], p: list[float], max_loss: float) -> float:
    """The threshold of highest "not found" recall whose quotes_answer is at most `max_loss`
    below the rules' own and that turns at least as many unanswerable questions into "not found"
    as it loses answers that quoted the answering text (a gate that trades two right answers for
    one right "not found" is worse than none); ties: the lowest threshold, which keeps most."""
    base = figures(rows, [bool(r["found"]) for r in rows])
    answerable = sum(bool(r["answerable"]) for r in rows)
    unanswerable = len(rows) - answerable
    best = (base[1], 0.0)
    for t in THRESHOLDS:
        quotes, recall, _ = figures(rows, kept_at(rows, p, t))
        lost = round((base[0] - quotes) * answerable)
        gained = round((recall - base[1]) * unanswerable)
        if base[0] - quotes <= max_loss + 1e-9 and gained >= lost and recall > best[0] + 1e-9:
            best = (recall, t)
    return best[1]


def per_set(
    rows: list[dict[str, object]], p: list[float], thresholds: dict[str, float], sets: list[str]
) -> None:
    log(f"{'set':6} {'n':>8}  {'quotes':>13}  {'NF recall':>13}  {'NF precision':>13}  threshold")
    for name in [*sets, "pooled"]:
        idx = [i for i, r in enumerate(rows) if name in (r["set"], "pooled")]
        sub = [rows[i] for i in idx]
        before = figures(sub, [bool(r["found"]) for r in sub])
        after = figures(
            sub, [bool(rows[i]["found"]) and p[i] >= thresholds[str(rows[i]["set"])] for i in idx]
        )
        n = f"{sum(bool(r['answerable']) for r in sub)}+{sum(not r['answerable'] for r in sub)}"
        t = thresholds.get(name, "")
        log(
            f"{name:6} {n:>8}  "
            + "  ".join(f"{b:.3f}->{a:.3f}" for b, a in zip(before, after, strict=True))
            + f"  {t}"
        )


def write(
    model: object, features: tuple[str, ...], threshold: float, sets: list[str], command: str
) -> None:
    scaler, regression = model.steps[0][1], model.steps[1][1]  # type: ignore[attr-defined]
    lines = [f'    "{f}": ({m!r}, {s!r}, {c!r}),' for f, m, s, c in zip(
        features, (round(float(x), 6) for x in scaler.mean_), (round(float(x), 6) for x in scaler.scale_),
        (round(float(x), 6) for x in regression.coef_[0]), strict=True)]  # fmt: skip
    text = GATE.read_text(encoding="utf-8")
    text = re.sub(r'FITTED = ".*"', f'FITTED = "{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"', text)
    on = "".join(f'\n    "{s} dev",' for s in sets)
    text = re.sub(
        r"FITTED_ON: tuple\[str, \.\.\.\] = \(.*?\)",
        f"FITTED_ON: tuple[str, ...] = ({on}\n)",
        text,
        flags=re.S,
    )
    text = re.sub(r'COMMAND = ".*"', f'COMMAND = "{command}"', text)
    text = re.sub(r"FEATURES: dict\[str, tuple\[float, float, float\]\] = \{.*?\n\}|FEATURES: dict\[str, tuple\[float, float, float\]\] = \{\}",
                  "FEATURES: dict[str, tuple[float, float, float]] = {\n" + "\n".join(lines) + "\n}", text, flags=re.S)  # fmt: skip
    text = re.sub(
        r"INTERCEPT = .*", f"INTERCEPT = {round(float(regression.intercept_[0]), 6)!r}", text
    )
    text = re.sub(r"THRESHOLD = .*", f"THRESHOLD = {threshold!r}", text)
    GATE.write_text(text, encoding="utf-8")
    log(f"written: {GATE.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fit_answer_gate",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="Dev halves only: the test halves' questions are never read.",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help=f"read the records of the last run ({RECORDS}) instead of ingesting and asking again",
    )
    parser.add_argument(
        "--records", type=Path, default=RECORDS, help="where the records are kept (JSON)"
    )
    parser.add_argument(
        "--sets",
        default=",".join(SETS),
        help="the evaluation sets, comma-separated (default: %(default)s)",
    )
    parser.add_argument(
        "--features",
        default=",".join(FEATURES),
        help="the features the gate reads, comma-separated (default: %(default)s)",
    )
    parser.add_argument(
        "--c",
        type=float,
        default=C,
        help="scikit-learn's C, the inverse of the regularisation's strength (default: %(default)s)",
    )
    parser.add_argument(
        "--max-loss",
        type=float,
        default=0.02,
        help="largest drop of pooled dev quotes_answer allowed when choosing the threshold (default: %(default)s)",
    )
    parser.add_argument(
        "--found-only",
        action="store_true",
        help="learn from the answers the rules found only (not from those they declined)",
    )
    parser.add_argument(
        "--write",
        action="store_true",
        help="write the model fitted on all sets' dev halves and the threshold to portal/council/gate.py",
    )
    args = parser.parse_args(argv)  # fmt: skip
    sets = args.sets.split(",")
    global TRAIN_ON
    if args.found_only:
        TRAIN_ON = ("found",)
    features = tuple(args.features.split(","))
    if args.reuse:
        rows = json.loads(args.records.read_text(encoding="utf-8"))
        rows = [r for r in rows if r["set"] in sets]
        log(f"{len(rows)} dev questions read from {args.records}")
    else:
        rows = record(tuple(sets))
        args.records.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        log(f"{len(rows)} dev questions recorded in {args.records}")
    found = [r for r in rows if r["found"]]
    log(f"found by the rules: {len(found)} ({sum(bool(r['quoted']) for r in found)} quote the "
        f"answer, {sum(not r['answerable'] for r in found)} unanswerable)")  # fmt: skip
    p = out_of_set(rows, sets, features, args.c)
    log("\nLeave-one-set-out, pooled dev halves: threshold, quotes_answer, NF recall, NF precision")
    for t in CURVE:
        quotes, recall, precision = figures(rows, kept_at(rows, p, t))
        log(f"  {t:.2f}  {quotes:.3f}  {recall:.3f}  {precision:.3f}")
    threshold = choose(rows, p, args.max_loss)
    log(
        f"\nthreshold {threshold} (highest pooled NF recall with quotes loss <= {args.max_loss} and "
        'no more right answers lost than right "not found" gained)'
    )
    log("\nPer set, rules -> rules + gate (out of set; one threshold chosen on the pooled curve):")
    per_set(rows, p, dict.fromkeys(sets, threshold), sets)
    # nested: each held-out set's threshold chosen on the other sets' own out-of-set predictions
    nested = {}
    for held in sets:
        inner = [r for r in rows if r["set"] != held]
        nested[held] = choose(
            inner,
            out_of_set(inner, [s for s in sets if s != held], features, args.c),
            args.max_loss,
        )
    log("\nPer set, nested (the threshold too chosen without the held-out set):")
    per_set(rows, p, nested, sets)
    model = fit(rows, features, args.c)
    regression = model.steps[1][1]  # type: ignore[attr-defined]
    log("\nModel on all dev halves (standardised coefficients):")
    for f, c in sorted(zip(features, regression.coef_[0], strict=True), key=lambda x: -abs(x[1])):
        log(f"  {f:18} {c:+.3f}")
    log(f"  {'intercept':18} {regression.intercept_[0]:+.3f}")
    if args.write:
        command = ".venv/bin/python -m bench.fit_answer_gate --write" + (
            f" --features {args.features}" if features != FEATURES else "") + (
            f" --c {args.c}" if args.c != C else "") + (
            f" --max-loss {args.max_loss}" if args.max_loss != 0.02 else "")  # fmt: skip
        write(model, features, threshold, sets, command)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
