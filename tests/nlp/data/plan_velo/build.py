"""Build the second labelled set (plan vélo) from the hand-written batches in source/.

Written and labelled by hand before any clustering run (issue 17). Each source line is
``label[+second_label]<TAB>text``; ``b4_campagne.txt`` holds the copy-paste campaign.
The split into dev and test halves is stratified on (label, campaign) with a fixed seed
and was committed before any run: tune on dev.jsonl only, report test.jsonl.

Reproduce: ``python tests/nlp/data/plan_velo/build.py`` (deterministic).
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).parent
SEED = 20260317
START = datetime(2026, 3, 2, 8, 0)
SPAN_SECONDS = 44 * 24 * 3600
CAMPAIGN_FILE = "b4_campagne.txt"
CAMPAIGN = "campagne_place_du_marche"
# The campaign arrives in one evening: 30 copies in about 40 minutes.
CAMPAIGN_START = datetime(2026, 3, 18, 20, 5)


def read_sources() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted(HERE.glob("source/*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            labels, text = line.split("\t", 1)
            main, _, second = labels.partition("+")
            rows.append(
                {
                    "text": text.strip(),
                    "label": main,
                    "label2": second,
                    "campaign": CAMPAIGN if path.name == CAMPAIGN_FILE else "",
                }
            )
    return rows


def main() -> None:
    rng = random.Random(SEED)
    rows = read_sources()
    rng.shuffle(rows)
    campaign_offset = 0
    for row in rows:
        if row["campaign"]:
            campaign_offset += rng.randint(20, 130)
            row["created_at"] = (CAMPAIGN_START + timedelta(seconds=campaign_offset)).isoformat()
        else:
            row["created_at"] = (START + timedelta(seconds=rng.randrange(SPAN_SECONDS))).isoformat()
    rows.sort(key=lambda r: r["created_at"])
    for number, row in enumerate(rows, start=1):
        row["id"] = f"pv{number:03d}"
    strata: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        strata[(row["label"], row["campaign"])].append(row)
    dev_ids: set[str] = set()
    for key in sorted(strata):
        members = sorted(strata[key], key=lambda r: r["id"])
        rng.shuffle(members)
        dev_ids.update(r["id"] for r in members[: (len(members) + 1) // 2])
    fields = ["id", "text", "created_at", "label", "label2", "campaign"]

    def write(name: str, subset: list[dict[str, str]]) -> None:
        with (HERE / name).open("w", encoding="utf-8") as out:
            for row in subset:
                out.write(json.dumps({f: row[f] for f in fields}, ensure_ascii=False) + "\n")

    write("comments.jsonl", rows)
    write("dev.jsonl", [r for r in rows if r["id"] in dev_ids])
    write("test.jsonl", [r for r in rows if r["id"] not in dev_ids])


if __name__ == "__main__":
    main()
