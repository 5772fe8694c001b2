"""Minutes in four more hands (the ninth evaluation set's, written here anew for another town): a
typed register read back by OCR (titles letter-spaced, "1. V O I R I E   C O M M U N A L E —
réfection", a footer misread differently on each page, paragraphs set off by an indent only); a
series of "Extraits du registre des délibérations" (each headed "Séance du … — Délibération n°
…", its title on an "Objet :" line below, the extracts set apart by rules); a compte rendu
analytique whose items are numbered in Roman figures; Markdown without a front matter whose
sections are underlined titles, no number anywhere. Before these rules none of them had a
single item: grouping, votes and the open data export had nothing to work with."""

from __future__ import annotations

from datetime import date

import pytest

from portal.council.parse import parse_bytes, unspaced


@pytest.mark.parametrize(
    ("line", "read"),
    [
        (
            "1. V O I R I E   C O M M U N A L E — réfection du chemin",
            "1. VOIRIE COMMUNALE — réfection du chemin",
        ),
        ("R E G I S T R E   D E S   D É L I B É R A T I O N S", "REGISTRE DES DÉLIBÉRATIONS"),
        ("7. T A R I F S   2 0 2 6", "7. TARIFS 2026"),
        ("2. F O R A G E   F 3", "2. FORAGE F3"),
        # prose, lower case and short runs of capitals stay as they are
        ("il y a à peine un an", "il y a à peine un an"),
        ("la T V A est récupérée", "la T V A est récupérée"),
        ("Vote : 1 2 3 4", "Vote : 1 2 3 4"),
    ],
)
def test_letter_spaced_capitals_read_as_words(line: str, read: str) -> None:
    assert unspaced(line) == read


FOOTERS = ["Visa du Maire : P. M.", "Vlsa du Maire : P. M.", "Visa du Maite : P. M."]


def _scanned_register() -> bytes:
    pages = [
        """                              - 1 -

    R E G I S T R E   D E S   D É L I B É R A T I O N S
    Séance du mardi 14 octobre 2025

     L'an deux mil vingt-cinq, le quatorze octobre, le Conseil municipal
de Saint-Vidal-sur-Allier s'est réuni sous la présidence de M. Paul
Mazet, Maire.
1. V O I R I E   C O M M U N A L E — réfection du chemin des Vignes
     M. Henri Roux, adjoint aux travaux, expose que le chemin des Vignes
est dégradé sur 800 mètres. Les travaux sont confiés à l'entreprise
Bonnefoy pour 64 300 euros HT, il y a à peine un an du premier devis.
     Adopté à l'unanimité.
2. É C O L E   P U B L I Q U E
     Mme Anne Vidal rappelle que la toiture de l'école sera refaite au
printemps prochain, le chantier étant fixé du 6 au 24 avril par l'entreprise

                                        """
        + FOOTERS[0],
        """                              - 2 -

Lamartine, de Brioude.
     Le coût est de 41 000 euros HT, subventionné à 40 % par l'État.
     Adopté par 12 voix pour et 3 abstentions (M. Brun, Mme Sabatier,
M. Gros).
3. Q U E S T I O N S   D I V E R S E S
     M. Brun demande quand le columbarium sera agrandi. M. le Maire
répond que l'extension est prévue en 2026.

                                        """
        + FOOTERS[1],
        """                              - 3 -

     La séance est levée à vingt-deux heures.

                                        """
        + FOOTERS[2],
    ]
    return "\f".join(pages).encode()


def test_a_scanned_register_read_by_its_items() -> None:
    parsed = parse_bytes(_scanned_register(), "2025-10-14.txt")
    assert parsed.meeting_date == date(2025, 10, 14)
    assert [(i.number, i.title) for i in parsed.items] == [
        (None, "VOIRIE COMMUNALE — réfection du chemin des Vignes"),
        (None, "ÉCOLE PUBLIQUE"),
        (None, "QUESTIONS DIVERSES"),
    ]
    texts = [p.text for p in parsed.passages]
    # the footer, however misread, is on no page's text
    assert not [t for t in texts if "du Mai" in t]
    # the sentence cut by the page's end is one, on the page where it starts
    joined = next(p for p in parsed.passages if "fixé du 6 au 24 avril" in p.text)
    assert "par l'entreprise Lamartine, de Brioude." in joined.text
    assert joined.page == 1
    # prose with single letters keeps them
    assert any("il y a à peine un an" in t for t in texts)
    school = parsed.items[1]
    assert school.vote is not None
    assert (school.vote.for_, school.vote.abstentions) == (12, 3)


EXTRACTS = """COMMUNE DE SAINT-VIDAL-SUR-ALLIER — HAUTE-LOIRE
EXTRAIT DU REGISTRE DES DÉLIBÉRATIONS DU CONSEIL MUNICIPAL
Séance du 3 mars 2025 — Délibération n° 2025-011
Nombre de conseillers : en exercice : 15 — présents : 13 — votants : 14
Objet : Maison de santé — choix du maître d'œuvre

Vu le code général des collectivités territoriales ;
Considérant que trois cabinets ont remis une offre ;

Le Conseil municipal, après en avoir délibéré, par 11 voix pour et 3 voix contre, DÉCIDE :
Article 1er : La maîtrise d'œuvre est confiée au cabinet Arche et Volcans pour 38 500 euros HT.

Fait et délibéré les jour, mois et an susdits.
==========================================================================
COMMUNE DE SAINT-VIDAL-SUR-ALLIER — HAUTE-LOIRE
EXTRAIT DU REGISTRE DES DÉLIBÉRATIONS DU CONSEIL MUNICIPAL
Séance du 3 mars 2025 — Délibération n° 2025-012
Nombre de conseillers : en exercice : 15 — présents : 13 — votants : 14
Objet : Tarifs de la cantine

Le Conseil municipal, après en avoir délibéré, à l'unanimité, DÉCIDE :
Article 1er : Le repas passe à 3,40 euros au 1er septembre 2025.

Fait et délibéré les jour, mois et an susdits.
==========================================================================
"""


def test_a_series_of_extracts_read_as_deliberations() -> None:
    parsed = parse_bytes(EXTRACTS.encode(), "extraits.txt")
    # the date of the first extract's heading (no file date to fall back on)
    assert parsed.meeting_date == date(2025, 3, 3)
    assert [(i.number, i.title) for i in parsed.items] == [
        ("2025-011", "Maison de santé — choix du maître d'œuvre"),
        ("2025-012", "Tarifs de la cantine"),
    ]
    headings = [p.text for p in parsed.passages if p.kind == "heading" and p.item_index is not None]
    assert headings == [
        "Délibération n° 2025-011 : Maison de santé — choix du maître d'œuvre",
        "Délibération n° 2025-012 : Tarifs de la cantine",
    ]
    # the rules between extracts are no passage
    assert not [p for p in parsed.passages if set(p.text) <= {"="}]
    first, second = parsed.items
    assert first.vote is not None and (first.vote.for_, first.vote.against) == (11, 3)
    assert second.adopted is True


ANALYTIQUE = """CONSEIL MUNICIPAL DE SAINT-VIDAL-SUR-ALLIER
Compte rendu analytique de la séance du 12 juin 2025

I. COMPTE ADMINISTRATIF 2024
MME VIDAL : Le compte administratif fait apparaître un excédent de 212 000 €.
M. BRUN : Pourquoi ne pas baisser les impôts ?
MME VIDAL : Parce que l'excédent finance la maison de santé.
VOTE : adopté par 11 voix pour, 3 contre et 1 abstention
(M. Gros).

II. CENTRE DE LOISIRS : TARIFS D'ÉTÉ
M. ROUX : La journée passe à 12 €.
VOTE : adopté à l'unanimité.
"""


def test_items_numbered_in_roman_figures() -> None:
    parsed = parse_bytes(ANALYTIQUE.encode(), "2025-06-12.txt")
    assert [i.title for i in parsed.items] == [
        "COMPTE ADMINISTRATIF 2024",
        "CENTRE DE LOISIRS : TARIFS D'ÉTÉ",
    ]
    # a vote statement wrapped before the bracket naming who abstained stays one passage
    vote = next(p for p in parsed.passages if p.text.startswith("VOTE : adopté par 11"))
    assert vote.text.endswith("et 1 abstention (M. Gros).")
    assert vote.kind == "vote"


SETEXT = """Conseil municipal de Saint-Vidal-sur-Allier
===========================================

Séance du jeudi 9 octobre 2025, sous la présidence de M. Paul Mazet, Maire.

Maison de santé : attribution des travaux
-----------------------------------------

Rapporteur : M. Henri Roux.

Le lot de gros œuvre est attribué à l'entreprise Bonnefoy pour 212 000 € HT.

Tarifs de l'eau
---------------

Le mètre cube passe à 2,45 €.

| N° | Objet | Pour | Contre | Abstention |
|----|-------|-----:|-------:|-----------:|
| 2025-040 | Maison de santé : travaux | 12 | 3 | 0 |
"""


def test_markdown_sections_underlined_are_items_when_nothing_else_is() -> None:
    parsed = parse_bytes(SETEXT.encode(), "2025-10-09.md")
    assert parsed.meeting_date == date(2025, 10, 9)
    # the title underlined with "=" is a heading, not an item
    assert (parsed.passages[0].kind, parsed.passages[0].text) == (
        "heading",
        "Conseil municipal de Saint-Vidal-sur-Allier",
    )
    assert [(i.title, i.rapporteur) for i in parsed.items] == [
        ("Maison de santé : attribution des travaux", "M. Henri Roux"),
        ("Tarifs de l'eau", None),
    ]
    # the underlines are no text
    assert not [p for p in parsed.passages if set(p.text) <= {"-", "="}]
    lot = next(p for p in parsed.passages if "gros œuvre" in p.text)
    assert lot.item_index == 0


def test_a_closing_table_of_votes_gives_each_deliberation_its_vote() -> None:
    """The table's rows name their items by number or, as here, by title; a row is then a
    passage of its own, its item's vote, under the table's header; a row that names no item
    (or too many alike) stays with the table, and gives nobody a vote."""
    table = (
        "\nVotes\n-----\n\n| N° | Objet | Pour | Contre | Abstention |\n"
        "|----|-------|-----:|-------:|-----------:|\n"
        "| 2025-040 | Maison de santé : travaux | 12 | 3 | 0 |\n"
        "| 2025-041 | Eau : tarifs 2026 | 15 | 0 | 0 |\n"
        "| 2025-042 | Subvention au club de pétanque | 14 | 0 | 1 |\n"
    )
    parsed = parse_bytes((SETEXT.split("| N°")[0] + table).encode(), "2025-10-09.md")
    health, water, votes = parsed.items
    assert health.vote is not None and health.number == "2025-040"
    assert (health.vote.for_, health.vote.against, health.vote.abstentions) == (12, 3, 0)
    assert health.adopted is True and not health.vote.unanimous
    assert water.vote is not None and water.vote.unanimous and water.number == "2025-041"
    assert votes.title == "Votes" and votes.vote is None
    rows = [p for p in parsed.passages if p.text.startswith("| N°")]
    assert [(p.kind, p.item_index) for p in rows] == [("vote", 0), ("vote", 1), ("paragraph", 2)]
    assert rows[0].text == (
        "| N° | Objet | Pour | Contre | Abstention | "
        "| 2025-040 | Maison de santé : travaux | 12 | 3 | 0 |"
    )
    # every item's passages still run from its heading
    assert parsed.passages[health.first_passage].text == "Maison de santé : attribution des travaux"
    assert parsed.passages[votes.first_passage].text == "Votes"
    assert [p.index for p in parsed.passages] == list(range(len(parsed.passages)))


NUMBERED_WITH_SECTIONS = """Conseil municipal de Saint-Vidal-sur-Allier
===========================================

Séance du jeudi 9 octobre 2025.

## 1. Tarifs de l'eau

Le mètre cube passe à 2,45 €. Adopté à l'unanimité.

Questions orales
----------------

M. Brun demande quand le columbarium sera agrandi.
"""


def test_sections_stay_sections_where_items_are_numbered() -> None:
    parsed = parse_bytes(NUMBERED_WITH_SECTIONS.encode(), "2025-10-09.md")
    assert [i.title for i in parsed.items] == ["Tarifs de l'eau"]
    question = next(p for p in parsed.passages if "columbarium" in p.text)
    assert question.item_index is None  # an oral question closes the item, as before
