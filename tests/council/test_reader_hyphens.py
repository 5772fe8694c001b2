"""Words cut at a line's end, in text extracted from a PDF: a word hyphenated to fit ("regroup-" /
"ement") is joined whole; a compound cut at its own hyphen ("demi-" / "journées", "vingt-" /
"cinq", "peut-" / "être", "Rueil-" / "Malmaison") keeps its hyphen, on one page and across a page
break, so that a quoted sentence reads as the minutes were written."""

from __future__ import annotations

from portal.council.parse import parse_bytes

LINES = (
    "Séance du conseil municipal du 12 mars 2025\n\n"
    "Le conseil demande le maintien d'un accueil physique au moins deux demi-\n"
    "journées par semaine et le regroup-\n"
    "ement des permanences. L'offre est jugée la mieux-\n"
    "disante ; elle coûte vingt-\n"
    "cinq mille euros et sera peut-\n"
    "être révisée, comme à Rueil-\n"
    "Malmaison, où la somme a été sous-\n"
    "crite par la commune. Le mi-\n"
    "nistre viendra en au-\n"
    "tomne.\n"
)


def _texts(text: str) -> list[str]:
    return [p.text for p in parse_bytes(text.encode(), "cm.txt").passages]


def test_compounds_keep_their_hyphen_and_cut_words_are_joined() -> None:
    joined = " ".join(_texts(LINES))
    assert "deux demi-journées par semaine et le regroupement des permanences." in joined
    assert (
        "la mieux-disante ; elle coûte vingt-cinq mille euros et sera peut-être révisée" in joined
    )
    assert "comme à Rueil-Malmaison, où la somme a été souscrite par la commune." in joined
    # a syllable that also begins compounds elsewhere ("mi-", "au-") is a word cut in two here
    assert "Le ministre viendra en automne." in joined


def test_a_compound_cut_by_a_page_break_keeps_its_hyphen() -> None:
    paged = (
        "Séance du conseil municipal du 12 mars 2025\n\n"
        "Le conseil demande le maintien d'un accueil physique au moins deux demi-\n"
        "Page 1/3\n\x0c"
        "journées par semaine, comme à Rueil-\n"
        "Page 2/3\n\x0c"
        "Malmaison.\n"
        "Page 3/3\n"
    )
    assert (
        "Le conseil demande le maintien d'un accueil physique au moins deux demi-journées par semaine, comme à Rueil-Malmaison."
        in _texts(paged)
    )
