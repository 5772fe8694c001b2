"""Measure the synthesis pipeline on a hand-labelled set of comments (tests/nlp/data): adjusted
Rand index against the labels, the same for a plain TF-IDF + k-means baseline in the same run,
label quality, the campaign kept whole, and order stability. Used by tests/nlp and `make bench`.
"""

from __future__ import annotations

import json
import random
import unicodedata
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score

from portal.nlp.cluster import ClusterResult, cluster_comments
from portal.nlp.french import terms

EVALUATION_FILE = Path(__file__).resolve().parent / "evaluation.json"


@dataclass(frozen=True)
class Row:
    id: Hashable
    text: str
    label: str
    label2: str = ""
    campaign: str = ""
    created_at: datetime | None = None


def load(path: Path, *, label_key: str = "label") -> list[Row]:
    """One labelled comment per line (the first set names its label "theme" and marks the
    campaign with a boolean)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        when = obj.get("created_at")
        campaign = obj.get("campaign") or ""
        rows.append(
            Row(
                id=obj["id"],
                text=obj["text"],
                label=obj[label_key],
                label2=obj.get("label2") or "",
                campaign="campaign" if campaign is True else str(campaign),
                created_at=datetime.fromisoformat(when).replace(tzinfo=UTC) if when else None,
            )
        )
    return rows


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def baseline_ari(rows: Sequence[Row]) -> float:
    """TF-IDF over raw words + k-means told the true number of themes."""
    truth = [r.label for r in rows]
    matrix = TfidfVectorizer().fit_transform([r.text for r in rows])
    predicted = KMeans(len(set(truth)), n_init=10, random_state=0).fit_predict(matrix)
    return float(adjusted_rand_score(truth, predicted))


def pipeline_ari(rows: Sequence[Row], result: ClusterResult) -> float:
    """Each comment counts in its closest theme; "other" is one more group."""
    primary = result.primary_theme()
    return float(adjusted_rand_score([r.label for r in rows], [primary[r.id] for r in rows]))


@dataclass(frozen=True)
class ThemeQuality:
    label: str
    size: int
    main_label: str  # the labelled set's most common label among its comments
    label_is_phrase: bool  # written in one of its comments, from two or more of them, no commas
    quotes_with_main_label: int  # of its first three quoted comments
    quotes: int
    multi_word: bool = False  # two words or more ("Pistes protégées", not "Station")
    label_sources: int = 0  # distinct texts of the theme holding the label (its words' stems)
    quotes_with_phrase: int = 0  # of its first three quoted comments, those holding the label


@dataclass(frozen=True)
class Evaluation:
    comments: int
    true_themes: int
    themes: int
    other_share: float
    ari: float
    baseline_ari: float
    campaign_copies: int
    campaign_in_one_group: bool
    campaign_burst: bool
    label_phrase_share: float
    quote_main_label_share: float
    multi_word_label_share: float  # labels of two words or more
    distinct_labels: int  # different labels (folded): equal to themes when none repeats
    quote_phrase_share: float  # quoted comments holding their theme's label phrase
    mean_coherence: float
    order_stability_ari: float
    themes_detail: list[ThemeQuality]
    # Smallest margin of a quoted comment: its closeness to its theme's centre minus its
    # closeness to the closest other theme's (positive: every quote is closest to its own).
    min_quote_margin: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def holds(text: str, label: str) -> bool:
    """The label's words (stop words out, Snowball stems) all appear in the text."""
    return bool(terms(label)) and set(terms(label)) <= set(terms(text))


def theme_quality(rows: Sequence[Row], result: ClusterResult) -> list[ThemeQuality]:
    by_id = {r.id: r for r in rows}
    out = []
    for theme in result.themes:
        main = Counter(by_id[i].label for i in theme.primary_ids).most_common(1)[0][0]
        sources = {fold(by_id[i].text) for i in theme.label_source_ids}
        holding = {s for s in sources if holds(s, theme.label)}
        phrase = (
            "," not in theme.label
            and len(holding) >= 2
            and any(fold(theme.label) in text for text in sources)
            and set(theme.label_source_ids) <= set(theme.comment_ids)
        )
        quoted = theme.representative_ids[:3]
        carry = sum(1 for i in quoted if main in (by_id[i].label, by_id[i].label2))
        with_phrase = sum(1 for i in quoted if holds(fold(by_id[i].text), theme.label))
        out.append(
            ThemeQuality(
                theme.label, len(theme.primary_ids), main, phrase, carry, len(quoted),
                len(theme.label.split()) >= 2, len(holding), with_phrase,
            )
        )  # fmt: skip
    return out


def evaluate(rows: Sequence[Row], *, shuffle_seed: int = 1) -> tuple[Evaluation, ClusterResult]:
    """Run the pipeline on `rows` (with their times) and measure it against their labels."""
    pairs = [(r.id, r.text) for r in rows]
    times = {r.id: r.created_at for r in rows if r.created_at is not None}
    result = cluster_comments(pairs, created_at=times)
    shuffled = pairs[:]
    random.Random(shuffle_seed).shuffle(shuffled)
    again = cluster_comments(shuffled, created_at=times)
    first, second = result.primary_theme(), again.primary_theme()
    stability = float(
        adjusted_rand_score([first[i] for i, _t in pairs], [second[i] for i, _t in pairs])
    )
    campaign = {r.id for r in rows if r.campaign}
    groups = [set(g) for g in result.duplicates]
    whole = bool(campaign) and any(campaign == g for g in groups)
    burst = any(set(c.ids) == campaign and c.burst for c in result.campaigns)
    quality = theme_quality(rows, result)
    quotes = sum(q.quotes for q in quality)
    evaluation = Evaluation(
        comments=len(rows),
        true_themes=len({r.label for r in rows}),
        themes=len(result.themes),
        other_share=round(len(result.other) / max(1, len(rows)), 4),
        ari=round(pipeline_ari(rows, result), 4),
        baseline_ari=round(baseline_ari(rows), 4),
        campaign_copies=len(campaign),
        campaign_in_one_group=whole,
        campaign_burst=burst,
        label_phrase_share=round(sum(q.label_is_phrase for q in quality) / max(1, len(quality)), 4),
        quote_main_label_share=round(
            sum(q.quotes_with_main_label for q in quality) / max(1, quotes), 4
        ),
        multi_word_label_share=round(sum(q.multi_word for q in quality) / max(1, len(quality)), 4),
        distinct_labels=len({fold(t.label) for t in result.themes}),
        quote_phrase_share=round(sum(q.quotes_with_phrase for q in quality) / max(1, quotes), 4),
        mean_coherence=round(
            sum(t.coherence for t in result.themes) / max(1, len(result.themes)), 4
        ),
        order_stability_ari=round(stability, 4),
        themes_detail=quality,
        min_quote_margin=round(
            min((m for t in result.themes for m in t.representative_margins), default=0.0), 4
        ),
    )
    return evaluation, result
