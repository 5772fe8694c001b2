"""The meeting's date, however the minutes write it: Roman-numeral months ("26/III/2026", a
register's hand), and, when the text gives no date at all, the file's name ("2026-03-26.txt", as
clerks name them); neither: refused with the reason."""

from __future__ import annotations

from datetime import date

import pytest

from portal.council.parse import MinutesError, french_date, parse_bytes

BODY = (
    "COMMUNE DE VILLARD\n\n"
    "Délibération n° 2026-014 : Tarifs du téléski\n\n"
    "Le conseil fixe le forfait journée à 20 euros.\n\n"
    "Vote : pour 15, contre 2, abstentions 1 — adoptée.\n"
)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Séance du conseil municipal du 26/III/2026", date(2026, 3, 26)),
        ("registre des délibérations, séance du 3/IV/2026", date(2026, 4, 3)),
        ("Conseil municipal du 14/IX/2026 à 20 h", date(2026, 9, 14)),
        ("Séance du 1/XII/2025", date(2025, 12, 1)),
        ("Séance du 31/II/2026", None),  # no such day
        ("le chapitre IV/2026 du budget", None),  # no day before it
    ],
)
def test_roman_numeral_months(text: str, day: date | None) -> None:
    assert french_date(text) == day


def test_a_date_in_the_file_name_when_the_text_gives_none() -> None:
    parsed = parse_bytes(BODY.encode(), "2026-03-26.txt")
    assert parsed.meeting_date == date(2026, 3, 26)
    assert parsed.items[0].title == "Tarifs du téléski"
    # A date in the text wins over the file's name.
    dated = parse_bytes(("Séance du 28 mars 2026\n\n" + BODY).encode(), "2026-03-26.txt")
    assert dated.meeting_date == date(2026, 3, 28)


def test_neither_in_the_text_nor_in_the_name_is_refused_with_the_reason() -> None:
    with pytest.raises(MinutesError, match="date de la séance n'a pas été trouvée"):
        parse_bytes(BODY.encode(), "pv.txt")
    with pytest.raises(MinutesError, match="date de la séance n'a pas été trouvée"):
        parse_bytes(BODY.encode(), "2026-02-30.txt")  # no such day
