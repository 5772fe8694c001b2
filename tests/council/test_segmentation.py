"""Passages a citation can point at: minutes without blank lines (text extracted from PDF), with
running headers, page footers, form feeds and hyphenation, read as text and as PDF."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.council import pdfgen
from portal.council.parse import (
    MAX_PASSAGE,
    ParsedMinutes,
    item_heading,
    parse_bytes,
    split_long,
    text_pages,
)
from portal.council.text import sentences

DATA = Path(__file__).with_name("data")
SOURCE = DATA / "pv-sans-paragraphes.txt"


def _forms() -> list[tuple[str, bytes]]:
    raw = SOURCE.read_bytes()
    without_form_feeds = raw.replace(b"\x0c", b"")
    return [
        ("pv.txt", raw),
        ("pv-sans-sauts.txt", without_form_feeds),
        ("pv.pdf", pdfgen.render_plain(raw.decode())),
    ]


@pytest.fixture(params=[name for name, _ in _forms()])
def parsed(request: pytest.FixtureRequest) -> ParsedMinutes:
    data = dict(_forms())[request.param]
    return parse_bytes(data, request.param)


def _passage(parsed: ParsedMinutes, start: str) -> tuple[str, int | None]:
    found = [p for p in parsed.passages if p.text.startswith(start)]
    assert len(found) == 1, [p.text[:60] for p in parsed.passages]
    return found[0].text, found[0].page


def test_paragraphs_are_found_without_blank_lines(parsed: ParsedMinutes) -> None:
    """Each speaker's turn, the decision and the vote are passages of their own, none too long."""
    assert parsed.meeting_date.isoformat() == "2025-06-03"
    assert parsed.chair == "Mme Odile Marchetti, maire" and "Thierry Ollivier" in parsed.present
    assert [i.number for i in parsed.items] == ["2025-06-01", "2025-06-02"]
    assert parsed.items[0].vote and parsed.items[0].vote.against == 4
    text, _ = _passage(parsed, "M. Perrot juge la dépense excessive")
    assert text.endswith("Il annonce que son groupe votera contre.")
    _passage(parsed, "Mme Ferrand salue une mesure")
    _passage(parsed, "Le Conseil municipal, après en avoir délibéré, autorise")
    assert all(len(p.text) <= MAX_PASSAGE for p in parsed.passages)
    assert parsed.passages[-1].text == "La séance est levée à 21 h 40."


def test_headers_footers_and_hyphens_are_cleaned(parsed: ParsedMinutes) -> None:
    """No running header, no "Page N/M", words hyphenated at a line end are whole again."""
    every = " ".join(p.text for p in parsed.passages)
    assert "Conseil municipal du 3 juin 2025" not in every and "Page " not in every
    assert "environ quatre mois" in every and "Jean-Moulin" in every
    assert "- " not in every.replace(" — ", " ")


def test_pages_are_kept_and_a_sentence_cut_by_a_page_break_is_joined(
    parsed: ParsedMinutes,
) -> None:
    """A passage names the page where it starts; one that runs on to the next page is whole."""
    assert parsed.pages == 3
    text, page = _passage(parsed, "Mme Dumas expose")
    assert page == 2 and text.endswith(
        "accueillis pendant ce temps au complexe sportif intercommunal."
    )
    _, page = _passage(parsed, "Le montant des travaux est estimé à 410 000 euros")
    assert page == 3
    text, page = _passage(parsed, "M. Lacaze rappelle")
    assert page == 1 and text.endswith("facturé au prix d'achat.")


def test_long_paragraphs_are_cut_at_sentence_ends() -> None:
    """Over 1,200 characters, a paragraph becomes nearly equal parts, each whole sentences."""
    paragraph = " ".join(
        f"Phrase numéro {n} sur le budget de la commune, assez longue." for n in range(60)
    )
    parts = split_long(paragraph)
    assert len(parts) == 3 and " ".join(parts) == paragraph
    assert all(len(p) <= MAX_PASSAGE and p.endswith(".") for p in parts)
    assert max(map(len, parts)) - min(map(len, parts)) < 200
    assert split_long("Court.") == ["Court."]
    assert sentences("M. Durand répond. Mme Roy aussi.") == ["M. Durand répond.", "Mme Roy aussi."]
    # a first name's initial does not end a sentence
    assert sentences("Vote : 29 P – 4 C (G. Lorentz, É. François). Adopté.") == [
        "Vote : 29 P – 4 C (G. Lorentz, É. François).", "Adopté."]  # fmt: skip


def test_text_pages_come_from_form_feeds_or_footers() -> None:
    """Form feeds cut pages; without them, a "Page N/M" footer ends each page."""
    assert text_pages("a\x0cb\x0c") == ["a", "b"]
    assert text_pages("un\nPage 1/2\ndeux\nPage 2/2\n") == ["un\nPage 1/2", "deux\nPage 2/2"]
    assert text_pages("sans pages\n") is None


def test_markdown_without_front_matter_is_read_like_text() -> None:
    """A Markdown file without front matter: title line, date in words, deliberations."""
    source = (
        "# Procès-verbal du conseil municipal du 12 mars 2025\n\n"
        "Présidence : Mme Odile Marchetti\n\n"
        "## Délibération n° 2025-03-04 : Tarifs de la cantine\n\n"
        "Rapporteur : M. Yves Perrot\n\n"
        "Le prix du repas passe à 3,20 euros.\n\n"
        "Vote : pour 20, contre 0, abstentions 0 — adoptée à l'unanimité.\n"
    )
    parsed = parse_bytes(source.encode(), "pv.md")
    assert parsed.meeting_date.isoformat() == "2025-03-12"
    assert parsed.title == "Procès-verbal du conseil municipal du 12 mars 2025"
    assert parsed.chair == "Mme Odile Marchetti"
    assert parsed.items[0].title == "Tarifs de la cantine" and parsed.items[0].vote is not None
    assert any(p.text == "Le prix du repas passe à 3,20 euros." for p in parsed.passages)


def test_the_preambles_facts_are_read_and_kept_as_passages() -> None:
    """ "Secrétaire de séance : …", "Absent excusé : …": read as the meeting's facts, and kept as
    passages, so that "qui était secrétaire de séance en décembre" finds the line itself."""
    source = (
        "COMMUNE DE MONTCLAIR — PROCÈS-VERBAL DU CONSEIL MUNICIPAL\n"
        "Séance du jeudi 14 décembre 2023\n"
        "Présidence : M. Bertrand Maillol, maire.\n"
        "Absents : Mme Lucia Ortiz.\n"
        "Secrétaire de séance : M. Jérôme Cazals.\n"
        "POINT N°1 – APPROBATION DU PROCÈS-VERBAL\n"
        "Le procès-verbal est adopté à l'unanimité.\n"
    )
    parsed = parse_bytes(source.encode(), "2023-12-14.txt")
    assert parsed.secretary == "M. Jérôme Cazals" and parsed.absent == ["Mme Lucia Ortiz"]
    texts = [p.text for p in parsed.passages]
    assert "Secrétaire de séance : M. Jérôme Cazals." in texts
    assert "Absents : Mme Lucia Ortiz." in texts


@pytest.mark.parametrize(
    ("line", "number", "title"),
    [
        (
            "9. ACQUISITION DE LA FRICHE DE L'ANCIENNE TUILERIE KIEFFER",
            None,
            "ACQUISITION DE LA FRICHE DE L'ANCIENNE TUILERIE KIEFFER",
        ),
        ("N° 3 – D-2026-060 – Emprunt 2026", "D-2026-060", "Emprunt 2026"),
        ("## 4. Navette urbaine — prolongation", None, "Navette urbaine — prolongation"),
    ],
)
def test_agenda_points_in_capitals_by_number_or_numbered_markdown_are_items(
    line: str, number: str | None, title: str
) -> None:
    """Three more hands: a numbered title in capitals, "N° 3 – D-2026-060 – title", a numbered
    Markdown heading; a numbered sentence ("1. Le conseil approuve…") stays a paragraph."""
    assert item_heading(line) == (number, title)
    assert item_heading("1. Le conseil approuve le règlement.") is None
    assert item_heading("12 lots attribués sur 13") is None


@pytest.mark.parametrize(
    ("opening", "day"),
    [
        ("**Séance ordinaire du mardi douze mars deux mille vingt-quatre**", "2024-03-12"),
        ("**Séance du mardi premier octobre deux mil vingt-quatre**", "2024-10-01"),
        ("Séance du trente et un janvier deux mille vingt-cinq", "2025-01-31"),
        # the register's form, the year first
        (
            "L'an deux mille vingt-cinq, le vingt-cinq septembre à vingt heures, le Conseil "
            "Municipal, légalement convoqué, s'est réuni à la mairie",
            "2025-09-25",
        ),
        # in figures
        (
            "Compte rendu de la réunion du Conseil Municipal tenue le 19/06/2025 à 20 h 30",
            "2025-06-19",
        ),
    ],
)
def test_a_meeting_date_written_in_words_is_read(opening: str, day: str) -> None:
    """French minutes often write the meeting's date in words; a date in figures further down
    (the previous meeting's minutes approved) is not the meeting's."""
    source = (
        f"# Compte rendu du Conseil municipal\n\n{opening}\n\n"
        "### 1. Approbation du compte rendu de la séance du 19 décembre 2023\n\n"
        "Le compte rendu est approuvé à l'unanimité.\n"
    )
    assert parse_bytes(source.encode(), "pv.md").meeting_date.isoformat() == day


def test_markdown_deliberations_of_other_hands_are_items() -> None:
    """Deliberations under "####" headings with slashed numbers or after the agenda's number,
    "Affaire n°…" headings with the deliberation's number after the title, and a rapporteur
    named by "Exposé de Mme …" in italics: each is an item with its rapporteur and its vote."""
    source = (
        "# Compte rendu du Conseil municipal\n\n"
        "**Séance ordinaire du mardi 25 juin 2024**\n\n"
        "### Affaire n°1 — Informations du Maire\n\n"
        "M. le Maire annonce l'ouverture de la maison des services.\n\n"
        "## I – FINANCES\n\n"
        "#### Délibération n° 24/031 — Compte administratif 2023\n\n"
        "*Exposé de Mme Solène BAUDOUIN, première adjointe déléguée aux finances*\n\n"
        "Le compte administratif fait apparaître un excédent de 1 187 400 €.\n\n"
        "Adopté par 21 voix pour, 4 contre et 2 abstentions.\n\n"
        "### 9 bis. Délibération n° 24/058 — Cimetière : reprise de concessions\n\n"
        "Adopté à l'unanimité.\n\n"
        "## Affaire n°5 — Tarifs municipaux 2025 (délibération n° 24/071)\n\n"
        "Les tarifs augmentent de 2 %.\n"
    )
    parsed = parse_bytes(source.encode(), "pv.md")
    items = {item.number: item for item in parsed.items}
    assert set(items) == {None, "24/031", "24/058", "24/071"}  # "Informations du Maire": no number
    budget = items["24/031"]
    assert budget.title == "Compte administratif 2023"
    assert budget.rapporteur == "Mme Solène BAUDOUIN, première adjointe déléguée aux finances"
    assert budget.vote is not None and budget.vote.against == 4
    assert items["24/071"].title == "Tarifs municipaux 2025"
    excess = next(p for p in parsed.passages if "excédent" in p.text)
    assert excess.item_index == list(items).index("24/031")


def test_a_markdown_vote_table_is_the_items_vote() -> None:
    """A vote given as a Markdown table, one row per choice or one column per choice, is the
    deliberation's vote, kept as one passage with its text as written; a table of amounts is
    not a vote."""
    source = (
        "# Compte rendu du Conseil municipal\n\n"
        "**Séance ordinaire du mardi 17 décembre 2024**\n\n"
        "## Affaire n°9 — Ouverture dominicale (délibération n° 24/075)\n\n"
        "| Association | Montant |\n|---|---|\n| Judo club | 2 800 € |\n\n"
        "| Vote | Voix |\n|---|---|\n| Pour | 19 |\n"
        "| Contre | 6 — M. Lacombe, Mme Bousquet |\n| Abstentions | 3 — Mme Sabatier |\n\n"
        "## Affaire n°10 — Dénomination de voies (délibération n° 24/076)\n\n"
        "| Votants | Pour | Contre | Abstentions |\n|---|---|---|---|\n| 28 | 22 | 2 | 4 |\n"
    )
    parsed = parse_bytes(source.encode(), "pv.md")
    first, second = parsed.items
    assert first.vote is not None and (first.vote.for_, first.vote.against) == (19, 6)
    assert first.vote.abstentions == 3 and first.adopted
    assert second.vote is not None and (second.vote.voters, second.vote.against) == (28, 2)
    votes = [p.text for p in parsed.passages if p.kind == "vote"]
    assert votes[0].startswith("| Vote | Voix |") and "| Contre | 6 — M. Lacombe" in votes[0]
    assert any(p.kind == "paragraph" and "Judo club" in p.text for p in parsed.passages)


# A deliberation's title wrapped onto a short capitalised line, and a decision cut by the end of
# a page on a proper noun: both used to cut the deliberation off from its debate and its vote.
WRAPPED_TITLE = (
    "Procès-verbal de la séance du conseil municipal du 5 mai 2025\n"
    "Délibération n° 2025-05-01 : Équipements sportifs — rénovation du gymnase du boulevard\n"
    "Henri-Sellier\n"
    "Rapporteur : Hugo Moreau\n"
    "Il est proposé au conseil municipal d'approuver les travaux de rénovation du gymnase, pour\n"
    "un montant de 730 000 euros inscrit au budget de l'exercice 2025. Cette dépense répond aux\n"
    "besoins constatés par les services et aux demandes exprimées par les clubs sportifs lors\n"
    "des réunions de quartier organisées au cours de l'année, et le chantier durera six mois.\n"
    "Le Conseil municipal, après en avoir délibéré, approuve les travaux concernant l'école\n"
    "\x0c"
    "Vaillant.\n"
    "Vote : pour 43, contre 0, abstentions 0 — adoptée à l'unanimité.\n"
)


def test_a_wrapped_title_and_a_decision_cut_by_a_page_stay_in_their_deliberation() -> None:
    """In text with form feeds and in the PDF made from it: the title's last line joins the
    title, the decision's end on the next page joins the decision (page of its start), and the
    deliberation keeps its rapporteur, debate and vote."""
    # The same with the page break inside the title instead: "… du boulevard" / "Henri-Sellier".
    title_cut = WRAPPED_TITLE.replace("\x0c", "").replace("boulevard\n", "boulevard\n\x0c")
    cases = [(WRAPPED_TITLE.encode(), "pv.txt"), (pdfgen.render_plain(WRAPPED_TITLE), "pv.pdf"),
             (title_cut.encode(), "titre.txt"), (pdfgen.render_plain(title_cut), "titre.pdf")]  # fmt: skip
    for data, name in cases:
        parsed = parse_bytes(data, name)
        [item] = parsed.items
        assert item.title == (
            "Équipements sportifs — rénovation du gymnase du boulevard Henri-Sellier"
        ), name
        assert item.rapporteur == "Hugo Moreau" and item.vote is not None, name
        assert (item.vote.for_, item.vote.unanimous, item.adopted) == (43, True, True), name
        decision = next(p for p in parsed.passages if p.kind == "decision")
        assert decision.text.endswith("concernant l'école Vaillant."), name
        assert decision.page == (1 if name.startswith("pv") else 2), name
        assert all(p.item_index == 0 for p in parsed.passages), name


LONE_FIRST_LINE = (
    "Procès-verbal de la séance du conseil municipal du 14 janvier 2021\n"
    "Délibération n° 2021-01-25 : Aménagement urbain — les abords du stade Jean-Moulin\n"
    "Rapporteur : Marc Mercier\n"
    "M. Mercier rappelle que les abords du stade sont en mauvais état depuis plusieurs années et\n"
    "que les riverains demandent un meilleur éclairage.\n"
    "Il est proposé au conseil municipal d'approuver le programme d'aménagement concernant le stade\n"
    "\x0c"
    "Jean-Moulin, pour un montant de 60 000 euros, inscrit au budget de l'exercice 2021. Cette\n"
    "dépense répond aux besoins constatés par les services et aux demandes des clubs sportifs.\n"
    "Vote : pour 40, contre 0, abstentions 0 — adoptée à l'unanimité.\n"
)


def test_a_paragraphs_first_line_alone_at_a_pages_end_is_not_a_title() -> None:
    """A full-width line alone at the bottom of a page, going on with a proper noun on the next
    one, is the start of a paragraph, not a title that would close the deliberation before its
    vote (text with form feeds and its PDF)."""
    for data, name in ((LONE_FIRST_LINE.encode(), "pv.txt"),
                       (pdfgen.render_plain(LONE_FIRST_LINE), "pv.pdf")):  # fmt: skip
        parsed = parse_bytes(data, name)
        [item] = parsed.items
        assert item.vote is not None and item.vote.for_ == 40, name
        texts = [p.text for p in parsed.passages if p.item_index == 0]
        assert any(t.startswith("Il est proposé") and "stade Jean-Moulin, pour" in t for t in texts)
        assert all(p.item_index == 0 for p in parsed.passages), name


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("2.1 OBJET : COMPTE ADMINISTRATIF 2024", (None, "COMPTE ADMINISTRATIF 2024")),
        ("3. OBJET : PORT DE PLAISANCE – TARIFS 2025", (None, "PORT DE PLAISANCE – TARIFS 2025")),
        ("POINT 1 – Décision modificative n°1", (None, "Décision modificative n°1")),
        (
            "Point n° 4 - Tarifs communaux 2026 (délibération n° 2025-082)",
            ("2025-082", "Tarifs communaux 2026"),
        ),
        (
            "POINT N°3 – DÉLIBÉRATION 2023-002 – OBJET : CENTRE AQUATIQUE",
            ("2023-002", "CENTRE AQUATIQUE"),
        ),
        # a numbered line without "OBJET :" is a list, not an item
        ("2.1 Compte administratif 2024 et compte de gestion", None),
        ("3. Les travaux commenceront en mars.", None),
    ],
)
def test_agenda_points_of_other_hands_are_items(
    line: str, heading: tuple[str | None, str] | None
) -> None:
    """Agenda points numbered "2.1 OBJET : …", "POINT 1 – …" (without "N°"), a deliberation's
    number after its title; the title without its "OBJET :"."""
    assert item_heading(line) == heading


def test_a_numbered_object_opens_an_item_with_its_vote() -> None:
    """Minutes whose items are "2.1 OBJET : …" lines: each is an item, with its rapporteur and
    its vote ("POUR : 19 – CONTRE : 0 – ABSTENTION(S) : 6")."""
    source = (
        "COMMUNE DE PLOUMAREC\nSéance du jeudi 27 mars 2025\n"
        "2.1 OBJET : COMPTE ADMINISTRATIF 2024\n"
        "Rapporteur : Mme LE BIHAN Nolwenn.\n"
        "Les dépenses de fonctionnement se sont élevées à 6.318.442,17 €.\n"
        "POUR : 19 – CONTRE : 0 – ABSTENTION(S) : 6\n"
        "2.2 OBJET : AFFECTATION DU RÉSULTAT 2024\n"
        "Il est proposé d'affecter 507.600,00 € à l'investissement.\n"
        "Adopté à l'unanimité des votants.\n"
    )
    parsed = parse_bytes(source.encode(), "2025-03-27.txt")
    assert [i.title for i in parsed.items] == [
        "COMPTE ADMINISTRATIF 2024",
        "AFFECTATION DU RÉSULTAT 2024",
    ]
    assert parsed.items[0].rapporteur == "Mme LE BIHAN Nolwenn"
    vote = parsed.items[0].vote
    assert vote is not None and (vote.for_, vote.against, vote.abstentions) == (19, 0, 6)
    assert parsed.items[1].adopted


def test_votes_as_columns_and_in_bare_counts_are_the_items_votes() -> None:
    """A vote as a word processor's table (a row of keys, tab-separated, then a row of numbers)
    and a vote line of bare counts ("Pour 22 – Contre 0 – Abstention 4 (groupe …)", short and
    without a full stop, like a heading) are the item's votes; the debate after the table stays
    in its item."""
    source = (
        "COMMUNE DE PLOUMAREC\r\nCompte rendu de la réunion tenue le 19/06/2025\r\n"
        "POINT 7 – Rapport de la CLECT\r\n"
        "Mme LE BIHAN présente le rapport de la commission locale d'évaluation des charges "
        "transférées, qui retient pour la commune une attribution de compensation réduite de "
        "41 000 € par an au titre des eaux pluviales urbaines transférées au 1er janvier.\r\n"
        "Votants\tExprimés\tPour\tContre\tAbstentions\r\n"
        "26\t22\t20\t2\t4\r\n"
        "Contre : M. NICOLAS, Mme OLLIVIER. Abstentions : groupe « Ploumarec Demain », qui "
        "juge l'évaluation généreuse pour l'intercommunalité au regard des dépenses passées.\r\n"
        "POINT 8 – Ouverture anticipée des crédits\r\n"
        "Le budget primitif 2026 sera voté le 26 mars 2026. Afin de ne pas interrompre les "
        "chantiers en cours, l'article L.1612-1 du CGCT permet d'engager les dépenses "
        "d'investissement dans la limite du quart des crédits ouverts l'année précédente.\r\n"
        "Pour 22 – Contre 0 – Abstention 4 (groupe « Ploumarec Demain »)\r\n"
    )
    parsed = parse_bytes(source.encode(), "2025-06-19.txt")
    clect, credits = parsed.items
    assert clect.vote is not None
    assert (clect.vote.voters, clect.vote.for_, clect.vote.against, clect.vote.abstentions) == (
        26, 20, 2, 4,
    )  # fmt: skip
    debate = next(p for p in parsed.passages if p.text.startswith("Contre : M. NICOLAS"))
    assert debate.item_index == 0
    table = next(p for p in parsed.passages if p.text.startswith("Votants"))
    assert (
        table.kind == "vote"
        and table.text == "Votants Exprimés Pour Contre Abstentions 26 22 20 2 4"
    )
    assert credits.vote is not None and (credits.vote.for_, credits.vote.abstentions) == (22, 4)
    assert credits.adopted


def test_a_registers_abbreviated_counts_are_a_vote() -> None:
    """ "Abréviations : P = pour, C = contre, Abs = abstention": the register's vote lines."""
    from portal.council.parse import read_vote

    read = read_vote("Vote : 30 P – 2 C (B. Perrin, A.-S. Colin) – 1 Abs (K. Haddad).")
    assert read is not None and read[1] is True
    assert (read[0].for_, read[0].against, read[0].abstentions) == (30, 2, 1)
    unanimous = read_vote("Vote : unanimité (33 P).")
    assert unanimous is not None and unanimous[0].unanimous and unanimous[0].for_ == 33
    # not in a decision's text ("pour 3 ans"), nor a plain "Page 3"
    assert read_vote("Le conseil fixe la durée à 3 P.", statement=False) is None


def test_a_vote_at_the_end_of_a_paragraph_is_a_passage_of_its_own() -> None:
    """Hard-wrapped minutes run the vote on at the end of the debate's paragraph: it is cut off,
    verbatim, as the item's vote."""
    source = (
        "PROCÈS-VERBAL DU CONSEIL MUNICIPAL DU 14 AVRIL 2026\n\n"
        "9. ACQUISITION DE LA FRICHE KIEFFER\n\n"
        "M. PERRIN demande que le parc soit réalisé avant les logements. M. HOFFMANN\n"
        "répond que le phasage sera étudié. Vote : pour 29 ; contre 2 (M. LORENTZ,\n"
        "Mme REMY) ; abstentions 2 (Mme FRANÇOIS, M. HADDAD). La délibération est adoptée.\n"
    )
    parsed = parse_bytes(source.encode(), "2026-04-14.txt")
    vote = [p for p in parsed.passages if p.kind == "vote"]
    assert [p.text for p in vote] == [
        "Vote : pour 29 ; contre 2 (M. LORENTZ, Mme REMY) ; abstentions 2 (Mme FRANÇOIS, "
        "M. HADDAD). La délibération est adoptée."
    ]
    assert parsed.items[0].vote is not None and parsed.items[0].vote.against == 2
    assert any(p.text.endswith("le phasage sera étudié.") for p in parsed.passages)


def test_the_agendas_entries_before_the_first_item_are_headings() -> None:
    """ "5. Vote des taux 2024" in the agenda names an item; it is a heading (search ranks
    headings after what is said), while the item itself is read where it opens."""
    source = (
        "PROCÈS-VERBAL DU CONSEIL MUNICIPAL DU 12 MARS 2024\n\n"
        "Ordre du jour :\n\n"
        "1. Budget primitif 2024\n\n"
        "2. Vote des taux des taxes directes locales 2024\n\n"
        "POINT 1 – Budget primitif 2024\n\n"
        "Le budget est présenté par Mme Baudouin.\n"
    )
    parsed = parse_bytes(source.encode(), "2024-03-12.txt")
    kinds = {p.text: p.kind for p in parsed.passages}
    assert kinds["2. Vote des taux des taxes directes locales 2024"] == "heading"
    assert kinds["Le budget est présenté par Mme Baudouin."] == "paragraph"
    assert [i.title for i in parsed.items] == ["Budget primitif 2024"]


def test_who_voted_how_is_part_of_the_vote() -> None:
    """ "Contre : M. NICOLAS, Mme OLLIVIER." after the counts, and a table of each member's vote,
    are vote passages (a "who voted against" question lifts an item's vote passages)."""
    source = (
        "PROCÈS-VERBAL DU CONSEIL MUNICIPAL DU 25 SEPTEMBRE 2025\n\n"
        "POINT 3 – Rapport de la CLECT\n\n"
        "Le conseil approuve le rapport.\n\n"
        "Votants : 26 / Pour : 20 / Contre : 2 / Abstentions : 4\n\n"
        "Contre : M. NICOLAS, Mme OLLIVIER. Abstentions : groupe « Ploumarec Demain ».\n\n"
        "| Nom | Vote |\n|---|---|\n| Monique Remy | Contre |\n"
    )
    parsed = parse_bytes(source.encode(), "2025-09-25.md")
    kinds = {p.text[:9]: p.kind for p in parsed.passages}
    assert kinds["Contre : "] == "vote" and kinds["| Nom | V"] == "vote"
    assert kinds["Le consei"] != "vote"
