"""Minutes laid out in two columns (a "relevé de décisions": the subject on the left, the decision
on the right), as typed and as text extracted from their PDF (which loses the right column's
indent): each row is read as a deliberation titled by its left column and decided by its right
one, not as their lines interleaved; layouts that only look like columns (a vote table, prose with
double spaces, a three-column table) are read as before. Also: a numbered paragraph's number
("§ 15.") is not cut from the vote it opens."""

from __future__ import annotations

from portal.council import pdfgen
from portal.council.parse import parse_bytes, unfold_columns

RELEVE = """VILLE DE MARCQ-SUR-LYS — RELEVÉ DE DÉCISIONS
Séance du 14/10/2025, 19 h 00

OBJET                     DÉCISION
-------------------------------------------------------------------------------
1. Procès-verbal du 9     Approuvé. M. Leclercq fait noter que son intervention
septembre 2025            sur la voirie était plus longue que le résumé.

2. Budget supplémentaire  Le conseil inscrit 84 300 € pour la toiture de la
et décision modificative  salle Jean-Bart et 12 500 € pour l'éclairage du
n° 2                      stade. M. Leclercq regrette l'absence de crédits pour
                          le skatepark. POUR : 25 — CONTRE : 4 (groupe « Marcq
                          demain ») — ABSTENTIONS : 0.

3. Médiathèque : horaires Ouverture le dimanche matin de 10 h à 13 h à compter
d'hiver                   du 2 novembre, à titre d'essai pour six mois.
                          Unanimité.

4. Tarifs de la cantine   Le repas passe de 3,10 € à 3,25 € au 1er janvier.
2026                      POUR : 27 — CONTRE : 2 (M. Leclercq, Mme Roussel) —
                          ABSTENTIONS : 0.
-------------------------------------------------------------------------------
Séance levée à 21 h 40.
"""


def _deindented(text: str) -> str:
    """The text as a PDF's text layer gives it: every line's leading spaces lost."""
    return "\n".join(line.lstrip() for line in text.split("\n"))


def _read(text: str, name: str = "releve.txt") -> tuple[list[tuple[str | None, str]], list[str]]:
    parsed = parse_bytes(text.encode(), name)
    return [(i.title, str(i.vote and i.vote.for_)) for i in parsed.items], [
        p.text for p in parsed.passages
    ]


def test_a_releve_in_two_columns_is_read_row_by_row() -> None:
    items, texts = _read(RELEVE)
    assert items == [
        ("Procès-verbal du 9 septembre 2025", "None"),
        ("Budget supplémentaire et décision modificative n° 2", "25"),
        ("Médiathèque : horaires d'hiver", "None"),
        ("Tarifs de la cantine 2026", "27"),
    ]
    assert "2. Budget supplémentaire et décision modificative n° 2" in texts
    assert (
        "Le conseil inscrit 84 300 € pour la toiture de la salle Jean-Bart et 12 500 € pour "
        "l'éclairage du stade. M. Leclercq regrette l'absence de crédits pour le skatepark."
    ) in texts
    assert "POUR : 25 — CONTRE : 4 (groupe « Marcq demain ») — ABSTENTIONS : 0." in texts
    assert (
        "Ouverture le dimanche matin de 10 h à 13 h à compter du 2 novembre, à titre d'essai "
        "pour six mois. Unanimité."
    ) in " ".join(texts)
    assert "Le repas passe de 3,10 € à 3,25 € au 1er janvier." in texts
    # nothing of one column inside the other's sentences
    assert not any("Budget supplémentaire et décision" in t and "84 300" in t for t in texts)
    assert not any("d'hiver" in t and "Ouverture" in t for t in texts)


def test_the_same_releve_without_its_indents_and_as_a_pdf_reads_the_same() -> None:
    expected = _read(RELEVE)
    assert _read(_deindented(RELEVE)) == expected
    pdf = pdfgen.render_plain(RELEVE)
    assert _read_pdf(pdf) == expected


def _read_pdf(data: bytes) -> tuple[list[tuple[str | None, str]], list[str]]:
    parsed = parse_bytes(data, "releve.pdf")
    return [(i.title, str(i.vote and i.vote.for_)) for i in parsed.items], [
        p.text for p in parsed.passages
    ]


def test_a_crlf_upload_reads_the_same() -> None:
    assert _read(RELEVE.replace("\n", "\r\n")) == _read(RELEVE)


def test_what_only_looks_like_columns_is_left_as_it_is() -> None:
    vote_table = (
        "Délibération n° 2025-12 : Subventions\n"
        "Votants        29\n"
        "Pour           25\n"
        "Contre          4\n"
    )
    assert unfold_columns(vote_table) == vote_table
    prose = (
        "Le maire ouvre la séance.  Il rappelle l'ordre du jour et donne la parole à M. Martin,\n"
        "qui présente le rapport.  Mme Durand demande si la subvention sera versée en une fois\n"
        "ou en deux ; le maire répond qu'elle le sera en deux, la seconde part à l'automne,\n"
        "après le bilan de la saison.\n"
    )
    assert unfold_columns(prose) == prose
    three_columns = (
        "Association               Montant 2024         Montant 2025 proposé par la commission\n"
        "Comité des fêtes          4 200 €              4 500 € pour les fêtes de la Saint-Jean\n"
        "Harmonie municipale       9 800 €              9 800 € reconduits à l'identique\n"
    )
    assert unfold_columns(three_columns) == three_columns


def test_a_numbered_paragraph_keeps_its_number_with_its_vote() -> None:
    text = (
        "Séance du conseil municipal du 12 décembre 2024\n\n"
        "Délibération n° 2024-083 : Tarifs 2025\n\n"
        "§ 14. Mme Caron présente les tarifs.\n\n"
        "§ 15. Adopté à l'unanimité.\n"
    )
    _items, texts = _read(text)
    assert "§ 15. Adopté à l'unanimité." in texts
    assert "§ 15." not in texts
