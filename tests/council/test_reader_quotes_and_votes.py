"""Markdown minutes whose decisions are block quotes ("> Délibération 2025-33 — … Onze voix
pour ; …"): the passage a resident sees has no quote marks, the decision gives its item its
number and its vote is a passage of its own; and votes as registers write them, in words
("Pour : quatorze", "Motion votée par onze voix contre zéro", "à l'unanimité moins une voix",
"sans opposition ni abstention", "Vote à main levée : unanimité")."""

from __future__ import annotations

import pytest

from portal.council.parse import Vote, parse_bytes, read_vote

MARKDOWN = """# Conseil municipal de Saint-Aubin — 11 septembre 2025

## 1. Incendie de Lou Brana

Trente-cinq hectares de pins ont brûlé.

> Délibération 2025-31 — demande d'aide au Département pour le reboisement (coût prévisionnel : 27 300 € HT). Pour : 15 — Contre : 0 — Abstention : 0.

## 2. Fêtes patronales

Le comité demande une aide exceptionnelle.

> Délibération 2025-33 — subvention exceptionnelle de 1 000 € au comité des fêtes.
> Onze voix pour ; MM. Castets et Lalanne contre ; M. Dupouy s'abstient.
"""


def test_decisions_as_block_quotes() -> None:
    parsed = parse_bytes(MARKDOWN.encode(), "cr.md")
    texts = [p.text for p in parsed.passages]
    assert not any(t.startswith(">") for t in texts)
    assert [i.number for i in parsed.items] == ["2025-31", "2025-33"]
    decision = next(p for p in parsed.passages if p.text.startswith("Délibération 2025-31"))
    assert decision.kind == "decision" and decision.item_index == 0
    assert decision.text.endswith("(coût prévisionnel : 27 300 € HT).")
    vote = parsed.passages[decision.index + 1]
    assert vote.kind == "vote" and vote.text == "Pour : 15 — Contre : 0 — Abstention : 0."
    assert parsed.items[0].vote is not None and parsed.items[0].vote.for_ == 15
    second = parsed.items[1]
    assert second.vote is not None and (second.vote.for_, second.vote.against) == (11, None)
    assert any(
        t.endswith("Onze voix pour ; MM. Castets et Lalanne contre ; M. Dupouy s'abstient.")
        for t in texts
    )


@pytest.mark.parametrize(
    ("text", "counts", "adopted"),
    [
        ("Pour : quatorze. Ne prend pas part au vote : M. Tauzin.", (14, None, None, False), None),
        (
            "Motion votée par onze voix contre zéro ; quatre conseillers…",
            (11, 0, None, False),
            True,
        ),
        ("Le conseil, par quatorze voix et une abstention, approuve.", (14, None, 1, False), True),
        (
            "Décision prise à l'unanimité moins une voix, celle de Mme Pujo.",
            (None, 1, None, False),
            True,
        ),
        ("Adoptée sans opposition ni abstention.", (None, 0, 0, True), True),
        ("Vote à main levée : unanimité.", (None, 0, None, True), True),
        ("Adopté : treize voix pour ; M. Castets s'abstient.", (13, None, None, False), True),
    ],
)
def test_votes_in_words(
    text: str, counts: tuple[int | None, int | None, int | None, bool], adopted: bool | None
) -> None:
    read = read_vote(text)
    assert read is not None
    vote: Vote = read[0]
    assert (vote.for_, vote.against, vote.abstentions, vote.unanimous) == counts
    assert read[1] is adopted


def test_a_share_in_per_cent_is_no_count_for() -> None:
    assert read_vote("Le conseil sollicite la CAF à hauteur de trente pour cent.") is None


def test_a_verdict_naming_what_is_adopted_and_a_decision_with_its_count() -> None:
    """A paragraph ending with "Le projet est adopté par 12 voix pour…" gives the item's vote;
    "Le conseil, par quatorze voix et une abstention (…), approuve…" is its decision and vote."""
    text = (
        "Séance du 27 février 2025\n\n"
        "5. ARÈNES MUNICIPALES : GRADINS\n\n"
        "Le coût des travaux est estimé à vingt-sept mille euros TTC. Le projet est adopté par "
        "12 voix pour, 2 contre (M. Castets, Mme Pujo) et 1 abstention (M. Lalanne).\n\n"
        "6. ÉCLAIRAGE PUBLIC\n\n"
        "M. Lesbats présente l'étude du syndicat.\n\n"
        "Le conseil, par quatorze voix et une abstention (Mme Cazenave), approuve le programme.\n"
    )
    parsed = parse_bytes(text.encode(), "pv.txt")
    arenes, eclairage = parsed.items
    assert arenes.vote is not None
    assert (arenes.vote.for_, arenes.vote.against, arenes.vote.abstentions) == (12, 2, 1)
    # the paragraph stays whole: its vote is the item's, its words stay with what precedes
    last = parsed.passages[arenes.last_passage]
    assert last.kind == "paragraph" and last.text.startswith("Le coût des travaux")
    assert last.text.endswith("et 1 abstention (M. Lalanne).")
    assert eclairage.vote is not None and eclairage.vote.for_ == 14
    assert parsed.passages[eclairage.last_passage].kind == "decision"


def test_quotation_marks_of_a_forwarded_mail_or_a_printed_quote_are_no_text() -> None:
    text = (
        "> De : Secrétariat de mairie\n"
        "> Objet : Compte rendu du conseil municipal du jeudi 22 janvier 2026\n"
        ">\n"
        "> Bonjour à toutes et à tous, veuillez trouver ci-dessous le compte rendu.\n"
        ">\n"
        "> Cordialement, Agnès Girod, directrice générale des services\n\n"
        "## 1. Incendie de Lou Brana\n\n"
        "Trente-cinq hectares de pins ont brûlé.\n\n"
        "> Délibération 2025-31 — demande d'aide au Département pour le reboisement. "
        "Pour : 15 — Contre : 0 — Abstention : 0.\n"
    )
    parsed = parse_bytes(text.encode(), "2026-01-22.txt")  # a text, not Markdown
    texts = [p.text for p in parsed.passages]
    assert not any(t.startswith(">") for t in texts)
    closing = next(p for p in parsed.passages if p.text.startswith("Cordialement"))
    assert closing.kind == "paragraph"  # a mail's closing is no title
    assert parsed.items[0].number == "2025-31"
    assert "Pour : 15 — Contre : 0 — Abstention : 0." in texts
