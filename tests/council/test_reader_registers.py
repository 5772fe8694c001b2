"""A register of deliberations as clerks keep it: dated in words with "du mois de" ("L'an deux
mille vingt-cinq, le vingt-sept du mois de novembre"), its items counted in words ("Premier
objet — …"), its opening sentence (who presided) a passage and not a title; and the meeting's
facts as other hands write them (a bare "Secrétaire :", "Absent excusé ayant donné pouvoir :",
"Présents : 13." before the names, proxies in brackets, an attendance table)."""

from __future__ import annotations

from datetime import date

import pytest

from portal.council.parse import french_date, parse_bytes

REGISTER = """RÉPUBLIQUE FRANÇAISE — DÉPARTEMENT DES LANDES
Commune de Saint-Aubin

Registre des délibérations du conseil municipal

L'an deux mille vingt-cinq, le vingt-sept du mois de novembre, à dix-neuf heures trente, le conseil municipal de la commune, légalement convoqué, s'est réuni à la mairie en séance publique sous la présidence de Madame Irène Dubos, maire.

Étaient présents : Mesdames et Messieurs Dubos, Carrère, Lafon, Pédelucq.
Absent excusé ayant donné pouvoir : Monsieur Lartigue à Madame Lafon.
Secrétaire : Monsieur Paul Carrère.

Premier objet — Tarifs communaux 2026

Le repas de la cantine passe à trois euros dix. La case du columbarium reste à six cents euros pour trente ans.
Adopté sans opposition.

Deuxième objet — Recensement de la population 2026

Le recensement aura lieu du jeudi 15 janvier au samedi 14 février 2026. Madame Anne Sarrat est nommée agent recenseur.
Adopté sans opposition.
"""


@pytest.mark.parametrize(
    ("text", "day"),
    [
        (
            "L'an deux mille vingt-cinq, le vingt-sept du mois de novembre, à 19 h",
            date(2025, 11, 27),
        ),
        ("L’an deux mil vingt-quatre, le premier du mois d’octobre", date(2024, 10, 1)),
        ("le trois du mois de mai deux mille vingt", date(2020, 5, 3)),
    ],
)
def test_a_month_named_as_du_mois_de(text: str, day: date) -> None:
    assert french_date(text) == day


def test_a_register_dated_in_words_with_items_counted_in_words() -> None:
    parsed = parse_bytes(REGISTER.encode(), "registre.txt")
    # the date of the opening sentence, not the census' "14 février 2026" further down
    assert parsed.meeting_date == date(2025, 11, 27)
    assert [i.title for i in parsed.items] == [
        "Tarifs communaux 2026",
        "Recensement de la population 2026",
    ]
    texts = [p.text for p in parsed.passages]
    # each item's text is its own, under its own heading
    tarifs = parsed.items[0]
    own = texts[tarifs.first_passage : tarifs.last_passage + 1]
    assert any("six cents euros pour trente ans" in t for t in own)
    assert not any("recenseur" in t for t in own)
    # the opening sentence is a passage a resident can be shown (who presided), not a title
    assert any("sous la présidence de Madame Irène Dubos, maire." in t for t in texts)
    assert parsed.title == "Séance du conseil municipal du 27/11/2025"
    assert "Secrétaire : Monsieur Paul Carrère." in texts


def test_a_registers_facts() -> None:
    parsed = parse_bytes(REGISTER.encode(), "registre.txt")
    assert parsed.chair == "Madame Irène Dubos, maire"
    assert parsed.secretary == "Monsieur Paul Carrère"
    assert parsed.present == ["Dubos", "Carrère", "Lafon", "Pédelucq"]
    assert parsed.proxies == [("Monsieur Lartigue", "Madame Lafon")]


PREAMBLE = """PROCÈS-VERBAL DE LA SÉANCE DU CONSEIL MUNICIPAL DU JEUDI 27 FÉVRIER 2025
Présents : 13. Procurations : 2. Votants : 15.
Présents : Mme Irène Dubos, maire ; M. Paul Carrère, Mme Lise Lafon, adjoints ; Mmes Anne Sarrat, Rose Pédelucq.
Absents représentés : M. Jean Lartigue (procuration à Mme Lafon), M. Luc Bats (procuration à M. Carrère).
Absent : M. Henri Castaing.
La séance est ouverte à 20 h 30 sous la présidence de Mme Irène Dubos, maire.

1. TARIFS COMMUNAUX
Le conseil fixe le repas de la cantine à 3,10 €. Adopté à l'unanimité.
"""


def test_counts_before_the_names_and_proxies_in_brackets() -> None:
    parsed = parse_bytes(PREAMBLE.encode(), "pv.txt")
    # "Présents : 13." is a count: the names are on the next line, without the roles
    assert parsed.present == [
        "Mme Irène Dubos", "M. Paul Carrère", "Mme Lise Lafon", "Anne Sarrat", "Rose Pédelucq",
    ]  # fmt: skip
    assert parsed.proxies == [("M. Jean Lartigue", "Mme Lafon"), ("M. Luc Bats", "M. Carrère")]
    assert parsed.absent == ["M. Henri Castaing"]
    assert parsed.chair == "Mme Irène Dubos, maire"


def test_facts_in_the_sentences_of_one_line() -> None:
    text = (
        "# Conseil municipal de Saint-Aubin — 11 septembre 2025\n\n"
        "*Compte rendu affiché le 15 septembre 2025. Présidence : Irène Dubos, maire. "
        "Secrétaire : Rose Pédelucq. 14 présents. Procurations : 2 (M. Bats à M. Carrère ; "
        "Mme Sarrat à Mme Lafon).*\n\n"
        "## 1. Rentrée scolaire\n\nMme Lafon annonce 58 élèves.\n"
    )
    parsed = parse_bytes(text.encode(), "cr.md")
    assert parsed.chair == "Irène Dubos, maire" and parsed.secretary == "Rose Pédelucq"
    assert parsed.proxies == [("M. Bats", "M. Carrère"), ("Mme Sarrat", "Mme Lafon")]


ATTENDANCE = """Compte rendu du conseil municipal — séance du 15/05/2025, 20h30

+------------------------------+-----------+---------------------------------+
| Conseiller                   | Présence  | Observation                     |
+------------------------------+-----------+---------------------------------+
| DUBOS Irène (maire)          | présente  | préside la séance               |
| CARRÈRE Paul (1er adj.)      | présent   |                                 |
| LAFON Lise                   | excusée   | pouvoir à I. Dubos              |
| SARRAT Anne                  | présente  | secrétaire de séance            |
| BATS Luc                     | absent    | sans pouvoir                    |
+------------------------------+-----------+---------------------------------+

POINT 1 - Budget primitif 2025

M. Carrère présente le budget.
Vote : 3 pour / 0 contre / 0 abst.
"""


def test_an_attendance_table() -> None:
    parsed = parse_bytes(ATTENDANCE.encode(), "cr.txt")
    assert parsed.present == ["DUBOS Irène", "CARRÈRE Paul", "SARRAT Anne"]
    assert parsed.absent == ["LAFON Lise", "BATS Luc"]
    assert parsed.proxies == [("LAFON Lise", "I. Dubos")]
    assert parsed.chair == "DUBOS Irène" and parsed.secretary == "SARRAT Anne"


MAIL = """> De : Secrétariat de mairie
> Objet : Compte rendu du conseil municipal du jeudi 22 janvier 2026

Le vingt-deux janvier deux mille vingt-six, le conseil municipal s'est réuni sous la présidence de M. Gilbert Rostaing, maire.

--- Point 1 ---
Objet : Débat d'orientation budgétaire 2026
Rapporteure : Mme Odile Falcoz, première adjointe chargée des finances

Mme Falcoz présente le rapport d'orientation budgétaire. Ce point ne donne pas lieu à un vote.

--- Point 2 ---
Objet : Eau potable – tarifs 2026
Rapporteur : M. Thierry Vernaz

Le prix du mètre cube passe à 2,10 €.
Vote : 17 pour, 2 abstentions.

--- Questions orales ---

Question de M. Rapin sur le déneigement du chemin des Granges.
"""


def test_points_set_off_by_rules_with_their_object() -> None:
    parsed = parse_bytes(MAIL.encode(), "2026-01-22.txt")
    assert [(i.title, i.rapporteur) for i in parsed.items] == [
        ("Débat d'orientation budgétaire 2026", "Mme Odile Falcoz, première adjointe chargée des finances"),
        ("Eau potable – tarifs 2026", "M. Thierry Vernaz"),
    ]  # fmt: skip
    assert parsed.items[1].vote is not None and parsed.items[1].vote.for_ == 17
    # "--- Questions orales ---" closes the last point: the question is no part of its debate
    question = next(p for p in parsed.passages if p.text.startswith("Question de M. Rapin"))
    assert question.item_index is None
