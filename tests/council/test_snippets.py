"""Issue 19, finding 14: a search snippet is bounded whatever the length of its passage."""

from __future__ import annotations

from portal.council.search import SNIPPET_MAX, highlight
from portal.council.text import stem


def test_a_huge_passage_gives_a_bounded_snippet_around_its_match() -> None:
    """A 2 MB paragraph with the word near its start or further on gives at most SNIPPET_MAX
    characters of text, marked, with an ellipsis where it was cut."""
    filler = "mot " * 500_000
    wanted = {stem("piscine")}
    early = str(highlight("La piscine ferme. " + filler, wanted))
    assert "<mark>piscine</mark>" in early and early.endswith("…")
    assert len(early) < SNIPPET_MAX + 50
    later = str(highlight(filler[:4_000] + " la piscine rouvre " + filler, wanted))
    assert later.startswith("…") and later.endswith("…") and "<mark>piscine</mark>" in later
    assert len(later) < SNIPPET_MAX + 50


def test_a_short_passage_is_shown_whole() -> None:
    """Below the bound, the snippet is the passage, every match marked, no ellipsis."""
    text = "La piscine des Raguidelles : la piscine rouvrira en juin."
    html = str(highlight(text, {stem("piscine")}))
    assert html.count("<mark>") == 2 and "…" not in html


def test_markup_in_a_passage_is_escaped_around_the_marks() -> None:
    """Characters of HTML in the passage come out escaped, before, between and after the marks,
    and so does a passage holding the control characters the marks are put in with (the reader
    drops them; a passage written otherwise is escaped piece by piece, the same page)."""
    text = 'Tarif <b>piscine</b> & "cantine" : l\'école, la piscine > 2 €.'
    expected = (
        "Tarif &lt;b&gt;<mark>piscine</mark>&lt;/b&gt; &amp; &#34;cantine&#34; : l&#39;école, la "
        "<mark>piscine</mark> &gt; 2 €."
    )
    assert str(highlight(text, {stem("piscine")})) == expected
    odd = str(highlight(text.replace(" : ", " \x01\x02 "), {stem("piscine")}))
    assert odd == expected.replace(" : ", " \x01\x02 ")
    assert str(highlight(text, {stem("absent")})) == expected.replace("<mark>", "").replace(
        "</mark>", ""
    )
