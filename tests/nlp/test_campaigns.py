"""Copy-paste campaigns: each copy's word diff against the first, and the burst flag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.nlp.campaigns import BURST_MIN_COPIES, Change, describe, word_diff

BASE = "Non à la suppression du parking de la place du Marché !"
START = datetime(2026, 3, 18, 20, 0, tzinfo=UTC)


def test_word_diff_names_removed_and_added_words_in_reading_order() -> None:
    """A copy that drops one word and adds a signature shows exactly those two changes."""
    other = "Non à la suppression du parking place du Marché ! Famille Lemoine."
    assert word_diff(BASE, other) == [Change("-", "de la"), Change("+", "Famille Lemoine.")]
    assert word_diff(BASE, BASE) == []


def test_word_diff_of_a_replaced_word_shows_both_sides() -> None:
    """A changed word is shown removed then added."""
    other = BASE.replace("Non", "NON")
    assert word_diff(BASE, other) == [Change("-", "Non"), Change("+", "NON")]


def test_copies_are_ordered_by_time_and_diffed_against_the_earliest() -> None:
    """The first copy is the earliest sent, whatever order the ids come in."""
    texts = {1: BASE + " Merci.", 2: BASE, 3: BASE + " Signé."}
    times = {1: START + timedelta(minutes=5), 2: START, 3: START + timedelta(minutes=9)}
    campaign = describe([1, 2, 3], texts, times)
    assert campaign.ids == [2, 1, 3]
    assert campaign.first_text == BASE
    assert [v.changes for v in campaign.variants] == [
        [Change("+", "Merci.")],
        [Change("+", "Signé.")],
    ]
    assert campaign.span == timedelta(minutes=9)


def test_many_copies_within_an_hour_are_a_burst() -> None:
    """Ten copies in 45 minutes are flagged; the same copies over ten days are not."""
    ids = list(range(BURST_MIN_COPIES))
    texts = dict.fromkeys(ids, BASE)
    quick = {i: START + timedelta(minutes=5 * i) for i in ids}
    slow = {i: START + timedelta(days=i) for i in ids}
    burst = describe(ids, texts, quick)
    assert burst.burst and burst.burst_copies == BURST_MIN_COPIES
    spread = describe(ids, texts, slow)
    assert not spread.burst and spread.burst_copies == 1


def test_a_burst_must_be_most_of_the_group() -> None:
    """Ten quick copies inside a group of thirty spread over weeks are not called a burst."""
    ids = list(range(30))
    texts = dict.fromkeys(ids, BASE)
    times = {i: START + (timedelta(minutes=i) if i < 10 else timedelta(days=i)) for i in ids}
    campaign = describe(ids, texts, times)
    assert campaign.burst_copies == 10 and not campaign.burst


def test_without_times_there_is_no_burst_and_the_given_order_stays() -> None:
    """A group with no known times keeps its order and is never flagged."""
    campaign = describe(["b", "a"], {"a": BASE, "b": BASE + " !"})
    assert campaign.ids == ["b", "a"] and not campaign.burst and campaign.span is None
    assert campaign.variants[0].changes == [Change("-", "!")]
