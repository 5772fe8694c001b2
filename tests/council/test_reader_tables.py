"""Tables in minutes (a table-heavy compte rendu): a table is a passage of its own, not glued to
the line after it; a grid's +----+ borders are left out; a row too wide for the page and wrapped
onto the next line stays one row; a table too long for a passage is cut between rows, each part
after the table's header (in text and in Markdown)."""

from __future__ import annotations

from portal.council.parse import MAX_PASSAGE, parse_bytes

GRID = """Compte rendu du conseil municipal — séance du 15/05/2025

+--------------------+-----------+----------------------+
| Conseiller         | Présence  | Observation          |
+--------------------+-----------+----------------------+
| DUBOS Irène        | présente  | préside la séance    |
| CARRÈRE Paul       | présent   |                      |
| SARRAT Anne        | présente  | secrétaire de séance |
| BATS Luc           | absent    | sans pouvoir         |
+--------------------+-----------+----------------------+
Quorum atteint : 3 présents à l'ouverture, 3 votants.

POINT 1 - Subventions aux associations

| Association | 2024 | 2025 | Ne vote pas |
|---|---|---|---|
| Comité des fêtes | 4 200 € | 4 500 € | V. Lamarque |
| Amicale des sapeurs-pompiers (achat d'un défibrillateur pour le centre de secours,
voté en mars) | 350 € | 500 € | — |
Vote : 3 pour / 0 contre / 0 abst.
"""


def test_a_grid_and_a_table_are_passages_of_their_own() -> None:
    parsed = parse_bytes(GRID.encode(), "cr.txt")
    texts = [p.text for p in parsed.passages]
    grid = next(t for t in texts if t.startswith("| Conseiller"))
    assert "+--" not in grid and "| BATS Luc | absent | sans pouvoir |" in grid
    assert "Quorum atteint : 3 présents à l'ouverture, 3 votants." in texts
    table = next(t for t in texts if t.startswith("| Association"))
    assert table.endswith(
        "| Amicale des sapeurs-pompiers (achat d'un défibrillateur pour le centre de secours, "
        "voté en mars) | 350 € | 500 € | — |"
    )
    assert "Vote : 3 pour / 0 contre / 0 abst." in texts
    assert parsed.items[0].vote is not None and parsed.items[0].vote.for_ == 3


def _long_table(rows: int) -> list[str]:
    return ["| Association | 2024 | 2025 |", "|---|---|---|"] + [
        f"| Association sportive et culturelle numéro {n} | {n} 000 € | {n} 100 € |"
        for n in range(1, rows + 1)
    ]


def test_a_long_table_is_cut_between_rows_after_its_header() -> None:
    lines = _long_table(40)
    for name, text in (
        ("cr.txt", "Séance du 15 mai 2025\n\nPOINT 1 - Subventions\n\n" + "\n".join(lines)),
        ("cr.md", "# Séance du 15 mai 2025\n\n## 1. Subventions\n\n" + "\n".join(lines)),
    ):
        parsed = parse_bytes(text.encode(), name)
        parts = [p.text for p in parsed.passages if p.text.startswith("| Association |")]
        assert len(parts) >= 2, name
        assert all(len(p) <= MAX_PASSAGE for p in parts), name
        assert all(p.startswith("| Association | 2024 | 2025 | |---|---|---| |") for p in parts)
        # every row in exactly one part, whole
        for row in lines[2:]:
            assert sum(row in p for p in parts) == 1, (name, row)
