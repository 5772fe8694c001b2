"""`portal nlp cluster FILE.jsonl` through the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from portal.cli import main

DATA = Path(__file__).resolve().parent / "data" / "labelled_comments.jsonl"
ROOT = Path(__file__).resolve().parents[2]


def write_comments(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return path


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()][:120]
    for row in rows:  # ids may be integers too
        row["id"] = int(str(row["id"]).lstrip("c"))
    return write_comments(tmp_path_factory.mktemp("nlp") / "comments.jsonl", rows)


def test_cluster_prints_the_documented_json(
    sample_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """stdout holds exactly themes/other/duplicates with every input id; progress goes to stderr."""
    assert main(["nlp", "cluster", str(sample_file)]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert set(data) == {"themes", "other", "duplicates", "campaigns", "method"}
    keys = {"label", "label_source_ids", "comment_ids", "representative_ids",
            "representative_margins", "distinct_arguments", "coherence",
            "singular_ids"}  # fmt: skip
    assert data["themes"] and all(set(t) == keys for t in data["themes"])
    assert data["method"]["themes"] == len(data["themes"])
    ids = {int(json.loads(line)["id"]) for line in sample_file.read_text().splitlines()}
    listed = {i for t in data["themes"] for i in t["comment_ids"]} | set(data["other"])
    assert listed == ids
    sizes = [len(t["comment_ids"]) for t in data["themes"]]
    assert sizes == sorted(sizes, reverse=True)
    assert all(isinstance(g, list) and len(g) > 1 for g in data["duplicates"])
    assert "comments read" in err and "{" not in err


def test_cluster_rejects_a_bad_line_with_its_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A malformed line stops the command with its line number and nothing on stdout."""
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"id": 1, "text": "Bonjour"}\n\n{"id": 2, "texte": "oups"}\n', encoding="utf-8"
    )
    assert main(["nlp", "cluster", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "line 3" in err and '"text"' in err
    path.write_text('{"id": 1, "text": "Bonjour"}\nnot json\n', encoding="utf-8")
    assert main(["nlp", "cluster", str(path)]) == 2
    assert "line 2: not valid JSON" in capsys.readouterr().err


def test_cluster_rejects_repeated_ids_and_missing_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same id twice, or a missing file, is a clear error."""
    path = write_comments(
        tmp_path / "twice.jsonl", [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}]
    )
    assert main(["nlp", "cluster", str(path)]) == 2
    assert "line 2: id 'a' appears twice" in capsys.readouterr().err
    assert main(["nlp", "cluster", str(tmp_path / "missing.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_tiny_and_empty_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An empty file gives no theme; a few comments give one theme; noise goes to "other"."""
    path = write_comments(tmp_path / "empty.jsonl", [])
    assert main(["nlp", "cluster", "-q", str(path)]) == 0
    empty = json.loads(capsys.readouterr().out)
    assert {k: empty[k] for k in ("themes", "other", "duplicates", "campaigns")} == {
        "themes": [], "other": [], "duplicates": [], "campaigns": [],
    }  # fmt: skip
    rows = [
        {"id": 1, "text": "Le chatbot ne comprend rien aux questions."},
        {"id": 2, "text": "Le chatbot ne comprend rien aux questions !"},
        {"id": 3, "text": "Un chatbot qui répond faux, c'est pire que rien."},
        {"id": 4, "text": "???"},
    ]
    assert main(["nlp", "cluster", "-q", str(write_comments(tmp_path / "few.jsonl", rows))]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["themes"]) == 1 and data["other"] == [4]
    assert data["duplicates"] == [[1, 2]]
    assert "chatbot" in data["themes"][0]["label"].casefold()
    sources = data["themes"][0]["label_source_ids"]  # one of the two copies, and comment 3
    assert len(sources) == 2 and 3 in sources and set(sources) < {1, 2, 3}


def test_help_describes_the_input_and_output() -> None:
    """`portal nlp cluster --help` explains the file format and the JSON printed."""
    done = subprocess.run(
        [sys.executable, "-m", "portal.cli", "nlp", "cluster", "--help"],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )  # fmt: skip
    text = " ".join(done.stdout.split())
    assert '{"id": ..., "text": "...", "created_at"' in text
    assert "duplicates" in text and "15%" in text and "%%" not in text
    assert "word diff" in text and "any order" in text


def test_shuffled_file_gives_the_same_themes_and_times_flag_the_burst(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same lines in another order print the same themes; `created_at` orders a campaign's
    copies, shows each copy's word diff and flags a burst; a bad date is a clear error."""
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()][:150]
    for n, row in enumerate(rows):
        row["created_at"] = f"2026-03-{1 + n % 28:02d}T10:00:00"
    copies = [
        {"id": f"x{n}", "text": "Gardez un humain au guichet de la mairie" + " svp" * (n % 2),
         "created_at": f"2026-03-18T20:{10 + n:02d}:00+00:00"}
        for n in range(12)
    ]  # fmt: skip
    first = write_comments(tmp_path / "a.jsonl", rows + copies)
    assert main(["nlp", "cluster", "-q", str(first)]) == 0
    a = json.loads(capsys.readouterr().out)
    second = write_comments(tmp_path / "b.jsonl", list(reversed(rows + copies)))
    assert main(["nlp", "cluster", "-q", str(second)]) == 0
    b = json.loads(capsys.readouterr().out)
    assert [t["label"] for t in a["themes"]] == [t["label"] for t in b["themes"]]
    assert [sorted(map(str, t["comment_ids"])) for t in a["themes"]] == [
        sorted(map(str, t["comment_ids"])) for t in b["themes"]
    ]
    campaign = next(c for c in a["campaigns"] if "x0" in c["ids"])
    assert campaign["ids"][0] == "x0" and campaign["burst"] is True
    assert campaign["variants"][0] == {"id": "x1", "changes": [["+", "svp"]]}
    bad = write_comments(tmp_path / "bad.jsonl", [{"id": 1, "text": "x", "created_at": "hier"}])
    assert main(["nlp", "cluster", str(bad)]) == 2
    assert 'line 1: "created_at" must be an ISO 8601 date and time' in capsys.readouterr().err
