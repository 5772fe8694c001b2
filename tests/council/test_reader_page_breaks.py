"""Text extracted from a PDF, wrapped and cut into pages: a sentence cut by a page break after an
article or a preposition ("…du réservoir des" / "Oulles, annoncés…") goes on, it is no title; a
running header printed at the top of a few sheets only is removed, not glued into a sentence; a
vote statement wrapped over several lines ("…par 13" / "voix pour, 3 contre (…)" / "et 2
abstentions…") is one passage; and the debate that follows a vote in the same paragraph
("Adopté à l'unanimité. Mme Dufau signale aussi…") is a passage of its own."""

from __future__ import annotations

from portal.council.parse import parse_bytes, pdf_blocks

WRAPPED = """Séance du conseil municipal du 18/06/2026

2. EAU POTABLE

M. Vernaz présente le rapport annuel sur le
prix et la qualité du service de l'eau pour
2025. Le conseil prend acte du rapport, qui
ne fait pas l'objet d'un vote.

Les travaux de sécurisation du réservoir des
\x0cVillard · CM du 18.06.2026

Oulles, annoncés pour le printemps,
débuteront finalement le 14 septembre, après
la saison d'alpage, afin de ne pas couper
l'eau des chalets d'estive.

3. ASSISTANT DE COURRIER

Mme Girod présente le projet d'assistant pour
préparer les réponses aux courriels des
habitants et des vacanciers de la commune.

La délibération est adoptée, amendée, par 13
voix pour, 3 contre (MM. R., T. et Mme L.)
et 2 abstentions (Mme B. et M. D., par
procuration).
\x0cVillard · CM du 18.06.2026

4. ÉCOLE

Elle propose de créer un tarif réduit à
\x0cVillard · CM du 18.06.2026

un euro pour les familles dont le quotient
familial est inférieur à 700 euros. Adopté à
l'unanimité.
"""


def test_sentences_cut_by_page_breaks_and_wrapped_votes() -> None:
    parsed = parse_bytes(WRAPPED.encode(), "pv.txt")
    texts = [p.text for p in parsed.passages]
    reservoir = next(p for p in parsed.passages if p.text.startswith("Les travaux de"))
    assert reservoir.text.startswith(
        "Les travaux de sécurisation du réservoir des Oulles, annoncés pour le printemps,"
    )
    assert reservoir.kind == "paragraph" and reservoir.item_index == 0  # still the water item
    assert (
        "La délibération est adoptée, amendée, par 13 voix pour, 3 contre (MM. R., T. et "
        "Mme L.) et 2 abstentions (Mme B. et M. D., par procuration)." in texts
    )
    assert not any("CM du 18.06.2026" in t for t in texts)
    assert any("tarif réduit à un euro pour les familles" in t for t in texts)


def test_a_header_on_the_top_of_a_third_of_the_sheets_is_removed() -> None:
    header = "Villard-sur-Arc · CM du 18.06.2026"
    pages = [
        "Séance du 18 juin 2026\n\nLe conseil approuve le procès-verbal.",
        "M. Vernaz présente le rapport sur l'eau et propose de créer un tarif réduit à",
        f"{header}\n\nun euro pour les familles. Adopté à l'unanimité.",
        "Mme Opinel annonce 86 inscriptions.",
        f"{header}\n\nLe conseil crée deux emplois saisonniers.",
        "Séance levée à 22 h 15.",
    ]
    texts = [b.text for b in pdf_blocks(pages)]
    assert not any(header in t for t in texts)
    assert any("tarif réduit à un euro pour les familles" in t for t in texts)


def test_the_debate_after_a_vote_is_a_passage_of_its_own() -> None:
    text = (
        "Séance du 27 février 2025\n\n"
        "6. ÉCOLE ET GARDERIE\n\n"
        "Le tarif de la garderie passe de 1,10 € à 1,20 € la demi-heure. Adopté à "
        "l'unanimité. Mme Dufau signale aussi que la toiture de l'école laisse passer l'eau.\n\n"
        "7. SUBVENTIONS\n\n"
        "Le conseil vote les subventions. Adopté à l'unanimité. Mme Bats et M. Dupraz, membres "
        "du bureau, ne prennent pas part au vote.\n"
    )
    parsed = parse_bytes(text.encode(), "pv.txt")
    by_text = {p.text: p.kind for p in parsed.passages}
    assert by_text["Adopté à l'unanimité."] == "vote"
    assert (
        by_text["Mme Dufau signale aussi que la toiture de l'école laisse passer l'eau."]
        == "paragraph"
    )
    assert (
        by_text[
            "Adopté à l'unanimité. Mme Bats et M. Dupraz, membres du bureau, ne prennent pas "
            "part au vote."
        ]
        == "vote"
    )
