"""Group residents' comments into themes, and copy-paste campaigns into duplicate groups.

The method, in order (every step is deterministic for the same input):

1. Near-duplicates: texts are normalised (case, accents, punctuation) and compared by their
   character 5-gram shingles (MinHash with banding finds candidate pairs, the exact Jaccard
   similarity confirms them, >= 0.5). Each group of near-duplicates counts once in the clustering
   and is shown as one group with its count, so a campaign neither drowns nor splits the themes.
2. spaCy's French pipeline (fr_core_news_md) gives lemmas, parts of speech, stop words and word
   vectors. A comment keeps its content lemmas (nouns, proper nouns, adjectives, verbs).
3. Several views of each comment: TF-IDF over lemmas (sublinear, two document-frequency ceilings)
   reduced by latent semantic analysis (three sizes), alone and joined with the comment's smoothed
   average word vector (rare words weigh more, the common direction removed).
4. Consensus: k-means runs on each view for several numbers of themes (6 to 20) and two seeds; two
   comments are close when they fall in the same group in many runs. An average-linkage tree on
   that agreement cuts where pairs stop being grouped together in at least 30% of the runs, so the
   number of themes comes out of the data. Above `sample_size` comments, the consensus is built
   on a fixed random sample and the other comments join their nearest theme.
5. Themes smaller than 1% of the comments (at least 3) are dissolved; their comments go to
   "other" (never more than 15%: the closest ones join their nearest theme). A comment also belongs
   to a second theme when it is almost as close to it as to its own (it raises several subjects).
6. Each theme is labelled with its most specific lemmas (class-based TF-IDF) and illustrated by its
   most central comments, quoted as written.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
import warnings
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

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
CONSENSUS_CUT = 0.7  # average-linkage distance: together in at least 30% of the runs
SECOND_THEME = 0.9  # a second theme when at least this close, relative to the first
MAX_OTHER = 0.15
FULL_PIPELINE_LIMIT = 3000  # beyond this many distinct texts, lemmas come from a form cache


@dataclass(frozen=True)
class Theme:
    label: str
    key_terms: list[str]
    comment_ids: list[
        CommentId
    ]  # every comment of the theme, duplicates and second themes included
    primary_ids: list[CommentId]  # comments whose closest theme this is
    representative_ids: list[CommentId]


@dataclass(frozen=True)
class ClusterResult:
    themes: list[Theme]
    other: list[CommentId]
    duplicates: list[list[CommentId]]
    parameters: dict[str, Any] = field(default_factory=dict)

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
                    "comment_ids": t.comment_ids,
                    "representative_ids": t.representative_ids,
                }
                for t in self.themes
            ],
            "other": self.other,
            "duplicates": self.duplicates,
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


def _views(analysis: _Analysis, fit_rows: np.ndarray) -> _Views:

    sif = _sif_vectors(analysis, fit_rows)
    fit_docs = [analysis.lemmas[i] for i in fit_rows]
    reduced_views = []
    for max_df in (0.1, 0.2):
        tfidf = TfidfVectorizer(
            analyzer=_identity, sublinear_tf=True, min_df=2, max_df=max_df, dtype=np.float32
        )
        try:
            tfidf.fit(fit_docs)
        except ValueError:  # too few words for these limits
            tfidf = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, dtype=np.float32)
            tfidf.fit(fit_docs)
        matrix = tfidf.transform(analysis.lemmas)
        n_terms = matrix.shape[1]
        for dim in (15, 20, 30):
            dim = min(dim, n_terms - 1, len(fit_rows) - 1)
            if dim < 2:
                continue
            svd = TruncatedSVD(dim, random_state=0).fit(matrix[fit_rows])
            reduced_views.append(normalize(svd.transform(matrix)).astype(np.float32))
    return _Views(reduced_views, sif.astype(np.float32))


def _identity(doc: list[str]) -> list[str]:
    return doc


def _consensus(views: _Views, rows: np.ndarray, progress: Progress) -> np.ndarray:
    """Labels of `rows` from the agreement of many k-means runs over the views."""

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
    tree = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=CONSENSUS_CUT,
    )
    labels: np.ndarray = tree.fit_predict(1.0 - agreement)
    return labels


def _scores(views: _Views, labels: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Mean cosine of every text to each theme's centroid, over the views (n x themes)."""

    n_themes = int(labels.max()) + 1
    total = np.zeros((views.size, n_themes), dtype=np.float32)
    for v in range(views.count):
        sub = views.get(v, rows)
        centroids = normalize(np.vstack([sub[labels == c].mean(axis=0) for c in range(n_themes)]))
        for start in range(0, views.size, 10000):
            chunk = slice(start, start + 10000)
            total[chunk] += views.get(v, chunk) @ centroids.T
    return total / views.count


LINK_WORDS = frozenset({"de", "du", "des", "d'", "à", "au", "aux", "en", "la", "le", "l'"})


def _label(
    texts: Sequence[str], analysis: _Analysis, members: list[list[int]], top: int = 3
) -> tuple[list[str], list[list[str]]]:
    """Key phrases of each theme: lemmas and two-word phrases ("temps réel", "centre de contact")
    frequent in a theme and rare in the others (class-based TF-IDF), shown as residents wrote them."""

    tokenizer = get_nlp(MODEL, disable=("parser", "ner")).tokenizer
    lexicon = analysis.lexicon
    theme_df: list[Counter[str]] = []
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    for rows in members:
        df: Counter[str] = Counter()
        for row in rows[:400]:
            doc = tokenizer(_prepare(texts[row]))
            keys: set[str] = set()
            content = []
            for i, tok in enumerate(doc):
                form = tok.lower_
                lemma, pos = lexicon.get(form, (form, "X"))
                if _keep(form, lemma, pos, tok.is_stop, tok.is_alpha):
                    content.append((i, lemma))
                    keys.add(lemma)
                    surfaces[lemma][form] += 1
            for (i, a), (j, b) in itertools.pairwise(content):
                if j == i + 1 or (j == i + 2 and doc[i + 1].lower_ in LINK_WORDS):
                    key = f"{a} {b}"
                    keys.add(key)
                    surfaces[key][doc[i : j + 1].text.replace("' ", "'")] += 1
            df.update(keys)
        theme_df.append(df)
    n_themes = len(members)
    in_themes = Counter(key for df in theme_df for key in df)
    labels, terms = [], []
    for df, rows in zip(theme_df, members, strict=True):
        size = max(1, min(len(rows), 400))
        scored = sorted(
            (
                (
                    (1.5 if " " in key else 1.0)
                    * (c / size)
                    * np.log((1 + n_themes) / in_themes[key]),
                    key,
                )
                for key, c in df.items()
                if c >= 2 or size < 4
            ),
            key=lambda pair: (-pair[0], pair[1]),
        )
        chosen: list[str] = []
        for _score, key in scored:
            words = set(key.split())
            if any(words & set(other.split()) for other in chosen):
                continue
            chosen.append(key)
            if len(chosen) == 8:
                break
        shown = [surfaces[key].most_common(1)[0][0] for key in chosen]
        terms.append(shown)
        labels.append(", ".join(shown[:top]) if shown else _("divers"))
    return labels, terms


def cluster_comments(
    comments: Sequence[tuple[CommentId, str]],
    *,
    progress: Progress = _quiet,
    sample_size: int = 2000,
    seed: int = 0,
) -> ClusterResult:
    """Themes, "other" and near-duplicate groups of (id, text) pairs. See the module docstring."""

    # Many small k-means runs: one thread each is an order of magnitude faster than a pool.
    # Tiny inputs can hold fewer distinct points than groups asked for: that is expected.
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Number of distinct clusters")
        return _cluster(comments, progress=progress, sample_size=sample_size, seed=seed)


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
    duplicates.sort(key=lambda g: -len(g))
    parameters["distinct_texts"] = len(reps)
    progress(f"analyse : {len(reps)} textes distincts ({len(duplicates)} groupes de doublons)")
    rep_texts = [texts[r] for r in reps]
    analysis = analyse(rep_texts, progress)
    usable = np.array([k for k, doc in enumerate(analysis.lemmas) if doc], dtype=np.int64)
    weight = np.array([len(group_members[r]) for r in reps])  # comments per distinct text

    def expand(rep_rows: Sequence[int]) -> list[CommentId]:
        return [ids[i] for k in sorted(rep_rows) for i in group_members[reps[k]]]

    if len(usable) < 12:  # too few to split: one theme of everything that has words
        everything = [usable.tolist()] if len(usable) else []
        labels_text, terms = _label(rep_texts, analysis, everything)
        themes = [
            Theme(labels_text[0], terms[0], expand(rows), expand(rows), expand(rows[:5]))
            for rows in everything
        ]
        empty = [k for k in range(len(reps)) if not analysis.lemmas[k]]
        return ClusterResult(themes, expand(empty), duplicates, parameters)

    rng = np.random.default_rng(seed)
    if len(usable) > sample_size:
        sample = np.sort(rng.choice(usable, sample_size, replace=False))
    else:
        sample = usable
    progress(f"représentation : {len(usable)} textes, consensus sur {len(sample)}")
    views = _views(analysis, sample)
    labels = _consensus(views, sample, progress)
    # Dissolve themes too small to read as a theme.
    sizes = Counter(labels.tolist())
    min_size = max(3, int(0.01 * len(sample)))
    kept = sorted((c for c, s in sizes.items() if s >= min_size), key=lambda c: (-sizes[c], c))
    if not kept:
        kept = [sizes.most_common(1)[0][0]]
    renumber = {c: k for k, c in enumerate(kept)}
    sample_labels = np.array([renumber.get(c, -1) for c in labels.tolist()])
    fit_mask = sample_labels >= 0
    scores = _scores(views, sample_labels[fit_mask], sample[fit_mask])
    primary = np.full(len(reps), -1)
    primary[usable] = scores[usable].argmax(axis=1)
    primary[sample] = sample_labels  # the consensus decides for the sample
    # "other": dissolved themes and texts without words, at most MAX_OTHER of the comments.
    other_rows = [k for k in range(len(reps)) if primary[k] < 0]
    budget = int(MAX_OTHER * n) - int(sum(weight[k] for k in other_rows if not analysis.lemmas[k]))
    movable = sorted(
        (k for k in other_rows if analysis.lemmas[k]), key=lambda k: -float(scores[k].max())
    )
    in_other = sum(weight[k] for k in movable)
    for k in movable:
        if in_other <= budget:
            break
        primary[k] = int(scores[k].argmax())
        in_other -= weight[k]
    # A second theme for comments about as close to it as to their own.
    n_themes = len(kept)
    members: list[list[int]] = [[] for _ in range(n_themes)]
    secondary: list[list[int]] = [[] for _ in range(n_themes)]
    for k in range(len(reps)):
        c = int(primary[k])
        if c < 0:
            continue
        members[c].append(k)
        order = np.argsort(-scores[k])
        second = int(order[1]) if order[0] == c and n_themes > 1 else int(order[0])
        if second != c and scores[k, second] >= SECOND_THEME * scores[k, c] > 0:
            secondary[second].append(k)
    labels_text, terms = _label(rep_texts, analysis, members)
    themes = []
    for c in range(n_themes):
        central = sorted(members[c], key=lambda k: (-float(scores[k, c]), k))[:5]
        themes.append(
            Theme(
                label=labels_text[c],
                key_terms=terms[c],
                comment_ids=expand(sorted(members[c] + secondary[c])),
                primary_ids=expand(members[c]),
                representative_ids=[ids[reps[k]] for k in central],
            )
        )
    themes.sort(key=lambda t: (-len(t.comment_ids), t.label))
    other = expand([k for k in range(len(reps)) if primary[k] < 0])
    parameters["themes"] = n_themes
    parameters["second_theme_comments"] = int(sum(weight[k] for rows in secondary for k in rows))
    progress(f"terminé : {n_themes} thèmes, {len(other)} commentaires dans « autres »")
    return ClusterResult(themes, other, duplicates, parameters)
