"""The steps that shape themes: the number of themes from the consensus, merging near-duplicate
themes, coherence, labels written in the comments, and independence from the input order."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from portal.nlp.cluster import (
    CONSENSUS_CUT,
    ClusterResult,
    PhraseLabel,
    choose_cut,
    cluster_comments,
    coherence,
    consensus_cut,
    distinct_labels,
    holds_form,
    merge_near_duplicates,
    order_stability,
    phrase_candidates,
    word_forms,
)

DEV = Path(__file__).resolve().parent / "data" / "plan_velo" / "dev.jsonl"


def blocks(sizes: list[int], inside: float, across: float, seed: int = 0) -> np.ndarray:
    """An agreement matrix with groups of the given sizes (noise added)."""
    n = sum(sizes)
    labels = np.repeat(np.arange(len(sizes)), sizes)
    agreement = np.where(labels[:, None] == labels[None, :], inside, across).astype(np.float32)
    noise = np.random.default_rng(seed).uniform(-0.05, 0.05, (n, n)).astype(np.float32)
    agreement = np.clip(agreement + (noise + noise.T) / 2, 0, 1)
    np.fill_diagonal(agreement, 1.0)
    return agreement


@pytest.mark.parametrize("sizes", [[20, 15, 30], [10, 10, 10, 10, 10, 10, 10], [40, 8, 12, 25]])
def test_number_of_themes_comes_from_the_data(sizes: list[int]) -> None:
    """Groups together in 70% of runs and apart in 90% are found, however many there are."""
    labels = consensus_cut(blocks(sizes, inside=0.7, across=0.1))
    assert len(set(labels.tolist())) == len(sizes)
    truth = np.repeat(np.arange(len(sizes)), sizes)
    assert adjusted_rand_score(truth, labels) == 1.0


def test_the_stated_criterion_holds_between_every_two_themes() -> None:
    """Between any two themes found, comments were together in fewer than 30% of the runs on
    average (the cut), and groups that are together more often are not separated."""
    agreement = blocks([15, 15, 15, 15], inside=0.8, across=0.05)
    agreement[:15, 15:30] = agreement[15:30, :15] = 0.45  # two groups often together
    labels = consensus_cut(agreement)
    themes = sorted(set(labels.tolist()))
    assert len(themes) == 3
    for a in themes:
        for b in themes:
            if a < b:
                cross = agreement[np.ix_(labels == a, labels == b)].mean()
                assert cross < 1 - CONSENSUS_CUT


def test_themes_whose_central_comments_say_the_same_are_merged() -> None:
    """Theme 1's central comments sit as close to theme 0's centre as to their own: merged;
    theme 2 stays apart."""
    labels = np.array([0] * 6 + [1] * 6 + [2] * 6)
    scores = np.full((18, 3), 0.05)
    scores[:6, 0] = 0.8
    scores[6:12, 1] = 0.7
    scores[6:12, 0] = 0.65  # near-duplicates in meaning of theme 0
    scores[12:, 2] = 0.9
    merged = merge_near_duplicates(scores, labels, ratio=0.4)
    assert merged.tolist() == [0] * 12 + [1] * 6
    assert merge_near_duplicates(scores, labels, ratio=0.95).tolist() == labels.tolist()


def test_coherence_is_the_mean_agreement_of_a_theme_pairs() -> None:
    """A theme always grouped together has coherence 1; a chance group near its agreement."""
    agreement = blocks([10, 10], inside=1.0, across=0.2)
    np.fill_diagonal(agreement, 1.0)
    assert coherence(agreement, np.arange(10)) == pytest.approx(1.0, abs=0.03)
    mixed = np.array([0, 1, 2, 3, 4, 10, 11, 12, 13, 14])
    assert coherence(agreement, mixed) < 0.6
    assert coherence(agreement, np.array([3])) == 0.0


@pytest.fixture(scope="module")
def dev() -> list[dict[str, str]]:
    return [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def dev_result(dev: list[dict[str, str]]) -> ClusterResult:
    return cluster_comments([(r["id"], r["text"]) for r in dev])


def fold(text: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


def test_every_label_is_a_phrase_held_by_two_of_its_comments(
    dev: list[dict[str, str]], dev_result: ClusterResult
) -> None:
    """A label is written (accents and case aside) in one of the theme's comments, comes from at
    least two of its distinct comments, and is no comma-separated keyword list."""
    texts = {r["id"]: r["text"] for r in dev}
    for theme in dev_result.themes:
        assert "," not in theme.label and 0 < len(theme.label.split()) <= 6, theme.label
        sources = theme.label_source_ids
        assert len({fold(texts[i]) for i in sources}) >= 2, theme.label
        assert set(sources) <= set(theme.comment_ids)
        assert any(fold(theme.label) in fold(texts[i]) for i in sources), theme.label


def test_quoted_comments_are_central_and_of_their_theme(dev_result: ClusterResult) -> None:
    """Every theme quotes 3 to 5 comments of its own, each of one theme only as its closest."""
    quoted = [cid for t in dev_result.themes for cid in t.representative_ids]
    assert len(quoted) == len(set(quoted))
    for theme in dev_result.themes:
        assert 3 <= len(theme.representative_ids) <= 5 or theme.distinct_count < 5
        assert set(theme.representative_ids) <= set(theme.primary_ids)


def test_quoted_comments_are_closer_to_their_theme_than_to_any_other(
    dev_result: ClusterResult,
) -> None:
    """Each quoted comment is closer to its own theme's centre than to every other theme's (the
    margin, mean cosine over the views, is positive), so a quote never belongs elsewhere."""
    for theme in dev_result.themes:
        assert len(theme.representative_margins) == len(theme.representative_ids)
        assert all(m > 0 for m in theme.representative_margins), theme


def test_distinct_arguments_count_a_campaign_once(
    dev: list[dict[str, str]], dev_result: ClusterResult
) -> None:
    """The theme holding the campaign counts its copies in its size but once as an argument."""
    campaign = {r["id"] for r in dev if r["campaign"]}
    holder = next(t for t in dev_result.themes if campaign <= set(t.primary_ids))
    assert holder.distinct_count == len(holder.primary_ids) - len(campaign) + 1
    for theme in dev_result.themes:
        if theme is not holder:
            assert theme.distinct_count <= len(theme.primary_ids)


def test_the_same_comments_in_another_order_give_the_same_themes(
    dev: list[dict[str, str]], dev_result: ClusterResult
) -> None:
    """Shuffled input: identical themes, labels and groups (adjusted Rand index 1.0)."""
    pairs = [(r["id"], r["text"]) for r in dev]
    assert order_stability(pairs, dev_result, seed=3) == 1.0
    shuffled = pairs[:]
    random.Random(7).shuffle(shuffled)
    again = cluster_comments(shuffled)
    assert [t.label for t in again.themes] == [t.label for t in dev_result.themes]
    assert [sorted(map(str, t.comment_ids)) for t in again.themes] == [
        sorted(map(str, t.comment_ids)) for t in dev_result.themes
    ]


def test_method_figures_are_reported(dev_result: ClusterResult) -> None:
    """The result says how many themes were found, merged, left out for low coherence."""
    method = dev_result.parameters
    assert method["themes"] == len(dev_result.themes)
    assert 0 <= method["other_share"] <= 0.15
    for key in ("themes_found", "themes_merged", "themes_below_coherence", "mean_coherence"):
        assert key in method


def test_singular_arguments_are_long_comments_of_their_theme(
    dev: list[dict[str, str]], dev_result: ClusterResult
) -> None:
    """A singular argument is one of the theme's own long comments (at most two a theme),
    never one of its quoted representatives' copies."""
    texts = {r["id"]: r["text"] for r in dev}
    assert any(theme.singular_ids for theme in dev_result.themes)
    for theme in dev_result.themes:
        assert len(theme.singular_ids) <= 2
        for cid in theme.singular_ids:
            assert cid in theme.primary_ids
            assert len(texts[cid].split()) >= 20


def test_the_cut_keeps_the_fewest_themes_the_silhouette_allows() -> None:
    """Five clear groups, two of which are split in halves that agree almost as often as not:
    the silhouette keeps the five groups rather than the seven halves."""
    sizes = [12, 12, 20, 15, 18, 14, 16]
    agreement = blocks(sizes, inside=0.9, across=0.05, seed=2)
    starts = np.cumsum([0, *sizes])
    for a, b in ((0, 1), (2, 3)):  # halves of one idea: together in about 45% of the runs
        agreement[starts[a] : starts[a + 1], starts[b] : starts[b + 1]] = 0.45
        agreement[starts[b] : starts[b + 1], starts[a] : starts[a + 1]] = 0.45
    cut, silhouettes = choose_cut(agreement)
    assert len(set(consensus_cut(agreement, cut).tolist())) == 5
    assert silhouettes and all(-1 <= v <= 1 for v in silhouettes.values())


def test_labels_are_noun_or_verb_phrases_shared_by_two_comments() -> None:
    """The parse gives phrases (a noun with its adjective or complement, a verb with its
    object) written in the comments; one shared by two comments (by lemmas: singular and
    plural) names the theme, a phrase of one comment never does."""
    texts = [
        "Il faut garder un interlocuteur humain au téléphone.",
        "Je veux garder un interlocuteur humain, pas une machine.",
        "Gardons des interlocuteurs humains à l'accueil !",
        "Les places de stationnement disparaissent dans ma rue.",
        "On supprime encore des places de stationnement.",
        "La place de stationnement devant la boulangerie est utile.",
        "Une piscine olympique serait formidable.",
    ]
    first, second = phrase_candidates(texts, [[0, 1, 2], [3, 4, 5, 6]])
    assert first[0].text == "Garder un interlocuteur humain"
    assert first[0].source_rows == [0, 1, 2]
    assert second[0].text.casefold() == "places de stationnement"
    assert set(second[0].source_rows) == {3, 4, 5}
    assert not any("piscine" in p.text.casefold() for p in second)


def test_a_label_is_written_in_the_same_words_by_two_comments() -> None:
    """Three comments share "prendre ... vélo" by lemmas, but no two write it in the same words:
    it names nothing. Every label left is written, as shown (case and accents aside), by two
    distinct comments of the theme, and is found verbatim in one of them."""
    texts = [
        "Les usagers prennent les vélos dans le train du matin.",
        "Chacun prend son vélo dans le train, c'est pratique.",
        "Je prends mon vélo dans le train tous les jours.",
        "Les voyageurs prennent le vélo dans le train.",
    ]
    (found,) = phrase_candidates(texts, [[0, 1, 2, 3]])
    assert found, "the train is written by every comment"
    assert not any(p.key.startswith("prendre") for p in found), [p.text for p in found]
    written = [word_forms(t) for t in texts]
    for p in found:
        holders = [k for k in range(4) if holds_form(written[k], word_forms(p.text))]
        assert len(holders) >= 2, p
        assert set(holders) <= set(p.source_rows), p
        assert any(p.text.casefold() in t.casefold() for t in texts), p


def test_a_label_never_cuts_a_hyphenated_or_joined_word() -> None:
    """ "libre-service" and "aujourd'hui" are whole words: a label is never "Vélos en libre";
    an elided article is a word of its own ("l'" then "école")."""
    assert word_forms("Vélos en Libre-Service aujourd’hui à l'École") == (
        "velos", "en", "libre-service", "aujourd'hui", "a", "l'", "ecole",
    )  # fmt: skip
    texts = [
        "Il faut plus de vélos en libre-service près de la gare.",
        "Des vélos en libre-service dans chaque quartier, vite.",
        "Les vélos en libre-service sont toujours vides le matin.",
    ]
    (found,) = phrase_candidates(texts, [[0, 1, 2]])
    assert found and found[0].text == "Vélos en libre-service", [p.text for p in found]
    for p in found:
        forms = word_forms(p.text)
        assert forms[-1] != "libre" and forms[0] != "service", p


def test_two_themes_never_get_the_same_label() -> None:
    """The theme whose best phrase scores higher keeps it; the other takes its next best."""

    def label(text: str, score: float) -> PhraseLabel:
        return PhraseLabel(text, [0, 1], text.casefold(), 0.5, len(text.split()), score)

    first = [label("Vélo électrique", 0.9), label("Station", 0.5)]
    second = [label("Vélo électrique", 0.4), label("Bornes de recharge", 0.3)]
    chosen = distinct_labels([first, second])
    assert [c.text for c in chosen if c] == ["Vélo électrique", "Bornes de recharge"]
    assert distinct_labels([[label("Vélo", 0.9)], [label("Vélo", 0.2)]])[1] is None
