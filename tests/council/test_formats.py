"""Minutes in PDF, HTML and plain text: the layout of real minutes is read, bad files refused."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.clock import utcnow
from portal.core_models import JobRun
from portal.council import pdfgen
from portal.council.ingest import ingest_paths
from portal.council.jobs import JOBS
from portal.council.models import Entity, Meeting, Passage
from portal.council.nlp import Reading
from portal.council.parse import MinutesError, parse_bytes
from portal.db import session_scope
from portal.scheduler import run_once
from portal.settings import Settings
from tests.helpers import csrf_token, read_council_uploads

from .conftest import CONTENT, ROOT

MAY = CONTENT / "pdf-sources" / "2024-05-16.md"

HTML_MINUTES = """<!doctype html><html lang="fr"><head><title>PV</title><style>p{}</style></head>
<body><nav><a href="/">Accueil</a></nav><main>
<h1>Procès-verbal de la séance du conseil municipal du 10 octobre 2024</h1>
<p>Lieu : Salle du conseil, Hôtel de Ville de Suresnes</p>
<p>Présidence : Anne Dubreuil</p>
<p>Présents : Anne Dubreuil, Karim Benali, Sophie Marchand</p>
<p>Pouvoirs : Luc Perrin à Karim Benali</p>
<h2>Délibération n° 2024-10-01 : Tarifs de la médiathèque</h2>
<p>Rapporteur : Julien Moreau</p>
<p>Il est proposé de rendre l'abonnement à la médiathèque gratuit pour les moins de 26 ans.</p>
<p>Le Conseil municipal, après en avoir délibéré, adopte la gratuité de l'abonnement.</p>
<p>Vote : pour 43, contre 0, abstentions 0 — adoptée à l'unanimité.</p>
</main><footer>Mairie de Suresnes</footer></body></html>"""

TEXT_MINUTES = """VILLE DE SURESNES

Procès-verbal de la séance du conseil municipal du 1er octobre 2024

Présidence : Anne Dubreuil
Absents : Olivier Garnier

Délibération n° 2024-10-07 : Éclairage public

Rapporteur : Hélène Rousseau

Le remplacement des lampadaires par des
lampes à basse consom-
mation réduira la facture de 40 %.

Le Conseil municipal, après en avoir délibéré, rejette le projet.

Vote : pour 5, contre 30, abstentions 2 — rejetée.
"""


def _count(engine: Engine, model: Any) -> int:
    with session_scope(engine, write=False) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_pdf_layout_is_read_without_headers_footers_or_hyphens(demo_pdfs: list[Path]) -> None:
    """A generated PDF gives the meeting's facts, items, votes and clean paragraphs with pages."""
    path = next(p for p in demo_pdfs if p.name == "2024-05-16.pdf")
    raw = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    # The file really has running headers, page numbers and hyphenated line ends to clean.
    assert raw.count("Ville de Suresnes — Conseil municipal") >= 3 and "Page 2 sur 3" in raw
    assert any(
        line.rstrip().endswith("-") and line.rstrip()[-2].isalpha() for line in raw.split("\n")
    )
    parsed = parse_bytes(path.read_bytes(), path.name)
    assert parsed.meeting_date.isoformat() == "2024-05-16" and parsed.pages == 3
    assert parsed.chair == "Anne Dubreuil" and parsed.secretary == "Thomas Lefèvre"
    assert parsed.proxies == [("Fatou Diallo", "Marc Delaunay")]
    assert "Isabelle Carpentier" in parsed.present and parsed.absent == [
        "Fatou Diallo",
        "Émilie Girard",
    ]
    pool = parsed.items[0]
    assert (pool.number, pool.title, pool.rapporteur) == (
        "2024-05-10", "Rénovation de la piscine des Raguidelles", "Thomas Lefèvre")  # fmt: skip
    assert pool.vote is not None and (pool.vote.for_, pool.vote.abstentions) == (38, 2)
    assert [i.adopted for i in parsed.items][-1] is False  # the free canteen was rejected
    texts = [p.text for p in parsed.passages]
    assert not any("Page " in t and " sur " in t for t in texts)
    assert not any(t == "Conseil municipal" or t.startswith("Ville de Suresnes") for t in texts)
    # Every paragraph of the source is found whole, hyphens mended, across page breaks too.
    source = MAY.read_text().split("---\n", 2)[2]
    body = [
        " ".join(b.split()) for b in source.split("\n\n") if b.strip() and not b.startswith("#")
    ]
    assert all(any(b == t for t in texts) for b in body), [b for b in body if b not in texts]
    assert {p.page for p in parsed.passages} == {1, 2, 3}


def test_pdf_ingest_then_search_cites_the_page(
    engine: Engine, demo_pdfs: list[Path], client: TestClient
) -> None:
    """An ingested PDF is searchable and its hits give the page of the passage."""
    results, errors = ingest_paths(engine, demo_pdfs)
    assert errors == [] and [r.status for r in results] == ["created", "created"]
    hit = client.get("/api/council/search", params={"q": "amiante"}).json()["hits"]
    assert hit == []  # only in the December minutes, not loaded here
    hits = client.get("/api/council/search", params={"q": "Rueil-Malmaison"}).json()["hits"]
    assert hits[0]["meeting_date"] == "2024-05-16" and hits[0]["page"] == 1
    assert hits[0]["deliberation"] == "2024-05-10"
    source = client.get("/council/m/2024-05-16/source")
    assert source.headers["content-type"] == "application/pdf" and source.content.startswith(
        b"%PDF"
    )


def _encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdfgen.render(MAY))))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _image_only_pdf(tmp_path: Path) -> bytes:
    image = tmp_path / "scan.png"
    Image.new("RGB", (400, 560), "white").save(image)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(str(image), x=10, y=10, w=180)
    return bytes(pdf.output())


def _blank_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    return bytes(pdf.output())


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("tronque.pdf", lambda tmp: pdfgen.render(MAY)[:1500], "endommagé"),
        ("pas-un-pdf.pdf", lambda tmp: b"<html>bonjour</html>", "pas un PDF valide"),
        ("chiffre.pdf", lambda tmp: _encrypted_pdf(), "chiffré"),
        ("scan.pdf", _image_only_pdf, "que des images"),
        ("blanc.pdf", lambda tmp: _blank_pdf(), "aucun texte"),
        ("vide.pdf", lambda tmp: b"", "le fichier est vide"),
    ],
)
def test_bad_pdfs_are_refused_with_the_reason_and_nothing_stored(
    engine: Engine, tmp_path: Path, name: str, make: Any, reason: str
) -> None:
    """Corrupt, encrypted, image-only and empty PDFs are refused, named, and leave nothing."""
    path = tmp_path / name
    path.write_bytes(make(tmp_path))
    good = tmp_path / "2024-05-16.pdf"
    good.write_bytes(pdfgen.render(MAY))
    results, errors = ingest_paths(engine, [path, good])
    assert [str(e).split(" : ")[0] for e in errors] == [name]
    assert reason in errors[0].reason
    assert [r.meeting_date.isoformat() for r in results] == ["2024-05-16"]
    assert _count(engine, Meeting) == 1


def test_html_minutes_are_read(engine: Engine, tmp_path: Path, client: TestClient) -> None:
    """An HTML page of minutes gives its facts and deliberation; navigation and footer are ignored."""
    path = tmp_path / "pv-2024-10-10.html"
    path.write_text(HTML_MINUTES)
    results, errors = ingest_paths(engine, [path])
    assert errors == [] and results[0].meeting_date.isoformat() == "2024-10-10"
    data = client.get("/api/council/meetings/2024-10-10").json()
    assert data["chair"] == "Anne Dubreuil" and data["proxies"] == [
        {"from": "Luc Perrin", "to": "Karim Benali"}
    ]
    assert (
        data["deliberations"][0]["number"] == "2024-10-01" and data["deliberations"][0]["unanimous"]
    )
    texts = [p["text"] for p in data["passages"]]
    assert "Accueil" not in texts and "Mairie de Suresnes" not in texts


def test_plain_text_minutes_are_read(tmp_path: Path) -> None:
    """Plain text in the real layout: wrapped lines joined, hyphenation mended, rejection read."""
    parsed = parse_bytes(TEXT_MINUTES.encode(), "pv.txt")
    assert parsed.meeting_date.isoformat() == "2024-10-01" and parsed.absent == ["Olivier Garnier"]
    assert parsed.items[0].adopted is False and parsed.items[0].rapporteur == "Hélène Rousseau"
    assert any(p.text == "Le remplacement des lampadaires par des lampes à basse consommation "
               "réduira la facture de 40 %." for p in parsed.passages)  # fmt: skip
    with pytest.raises(MinutesError, match="date de la séance n'a pas été trouvée"):
        parse_bytes(b"Compte rendu sans date\n\nTexte.", "pv.txt")


def test_a_paragraph_opening_in_small_letters_is_read(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    """Text with one line per paragraph (lines far wider than a page) in which a paragraph opens
    in small letters (an item of a list, a paste cut mid-sentence): read as a paragraph of its
    own. The reader used to fail on it (an IndexError in _text_blocks)."""
    long = (
        "Le conseil examine les affaires inscrites à l'ordre du jour de la séance, dont le "
        "budget primitif, les travaux de voirie, les tarifs municipaux et les subventions aux "
        "associations de la commune."
    )
    text = "Conseil municipal du 3 mars 2025\n\n" + "\n\n".join([long] * 6)
    text += "\n\npuis les questions diverses, dont la réfection du lavoir pour 12 400 euros.\n"
    parsed = parse_bytes(text.encode(), "2025-03-03.txt")
    assert parsed.passages[-1].text.startswith("puis les questions diverses")
    path = tmp_path / "2025-03-03.txt"
    path.write_text(text, encoding="utf-8")
    results, errors = ingest_paths(engine, [path])
    assert errors == [] and len(results) == 1
    answer = client.get("/council/search", params={"q": "combien pour le lavoir"})
    assert answer.status_code == 200 and "12 400 euros" in answer.text


def test_upload_of_a_pdf_by_an_agent(
    login_as: Any, demo_pdfs: list[Path], engine: Engine, settings: Settings
) -> None:
    """An agent uploads a PDF: once read, its status page links to the meeting page with its
    deliberations; a bad PDF is refused with the reason."""
    agent = login_as("agent")
    path = demo_pdfs[0]
    response = agent.post(
        "/council/upload",
        data={"csrf_token": csrf_token(agent, "/council/upload")},
        files={"file": (path.name, path.read_bytes(), "application/pdf")},
    )
    bad = agent.post(
        "/council/upload",
        data={"csrf_token": csrf_token(agent, "/council/upload")},
        files={"file": ("scan.pdf", _blank_pdf(), "application/pdf")},
    )
    assert read_council_uploads(engine, settings) == "uploads read: done=1 refused=1"
    status = agent.get(str(response.url))
    assert status.status_code == 200 and "Séance du 28/03/2024 ajoutée." in status.text
    assert "Délibération n° 2024-03-01" in agent.get("/council/m/2024-03-28").text
    assert "scan.pdf : le PDF ne contient aucun texte" in agent.get(str(bad.url)).text
    assert _count(engine, Meeting) == 1


def test_watched_folder_job_ingests_new_files_once(
    settings: Settings, engine: Engine, tmp_path: Path, demo_pdfs: list[Path]
) -> None:
    """Files dropped in the watched folder are ingested by the job; bad ones are reported only."""
    folder = tmp_path / "depot"
    folder.mkdir()
    shutil.copy(demo_pdfs[0], folder)
    (folder / "casse.pdf").write_bytes(b"%PDF-1.4 garbage")
    job = next(j for j in JOBS if j.name == "council.watch_folder")
    watched = settings.with_(watch_dir=folder)
    assert run_once(engine, watched, job)
    assert _count(engine, Meeting) == 1
    shutil.copy(CONTENT / "2024-02-08.md", folder)
    assert run_once(engine, watched, job, now=utcnow() + job.every)
    assert _count(engine, Meeting) == 2
    with session_scope(engine, write=False) as session:
        messages = [
            r.message or "" for r in session.scalars(select(JobRun).where(JobRun.job == job.name))
        ]
    assert all("casse.pdf" in m for m in messages) and "loaded=1" in messages[-1]


def test_index_job_finds_people_places_and_amounts(
    settings: Settings, engine: Engine, demo_pdfs: list[Path], client: TestClient
) -> None:
    """spaCy's job reads new passages; the meeting page lists people, places, amounts and dates."""
    ingest_paths(engine, demo_pdfs[1:])
    job = next(j for j in JOBS if j.name == "council.index_entities")
    assert run_once(engine, settings, job)
    with session_scope(engine, write=False) as session:
        assert (
            session.scalar(
                select(func.count()).select_from(Passage).where(Passage.nlp_done.is_(False))
            )
            == 0
        )  # type: ignore[attr-defined]
    entities = client.get("/api/council/meetings/2024-05-16").json()["entities"]
    values = {kind: [e["value"] for e in found] for kind, found in entities.items()}
    assert "Thomas Lefèvre" in values["person"] and "Olivier Garnier" in values["person"]
    assert "Puteaux" in values["place"]
    assert "14,2 millions d'euros" in values["amount"]
    page = client.get("/council/m/2024-05-16").text
    assert "Dans cette séance" in page and "Rueil-Malmaison" in page


def test_cli_ingest_pdf_and_index(
    db_url: str, tmp_path: Path, engine: Engine, demo_pdfs: list[Path]
) -> None:
    """`portal council ingest` loads PDFs into PORTAL_DATABASE_URL and spaCy reads them."""
    env = {**os.environ, "PORTAL_DATABASE_URL": db_url, "PORTAL_DATA_DIR": str(tmp_path),
           "PORTAL_SECRET_KEY": "x" * 40}  # fmt: skip
    out = subprocess.run([sys.executable, "-m", "portal.cli", "council", "ingest", *map(str, demo_pdfs)],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=180)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "2024-03-28: created" in out.stdout and "spaCy read" in out.stderr
    with session_scope(engine, write=False) as session:
        assert (
            session.scalar(
                select(func.count()).select_from(Passage).where(Passage.nlp_done.is_(True))
            )
            > 50
        )  # type: ignore[attr-defined]


def test_pdfgen_writes_the_demo_pdfs(tmp_path: Path) -> None:
    """pdfgen renders each source into a PDF of several pages with its page numbers."""
    written = pdfgen.generate(CONTENT / "pdf-sources", tmp_path)
    assert [p.name for p in written] == ["2024-03-28.pdf", "2024-05-16.pdf"]
    reader = PdfReader(written[0])
    assert len(reader.pages) >= 3
    assert f"Page {len(reader.pages)} sur {len(reader.pages)}" in reader.pages[-1].extract_text()


def test_entities_of_passages_replaced_meanwhile_are_dropped(
    engine: Engine, tmp_path: Path
) -> None:
    """spaCy's results for a paragraph corrected while it read are not stored; it is read again."""
    from portal.council import services

    source = CONTENT / "2024-02-08.md"
    ingest_paths(engine, [source])
    with session_scope(engine, write=False) as session:
        pending = services.pending_passages(session, limit=1000)
    corrected = tmp_path / source.name
    corrected.write_text(source.read_text().replace("19 h 00", "19 h 02"))
    assert ingest_paths(engine, [corrected])[0][0].status == "replaced"
    found = [Reading([("place", "Suresnes", "suresnes")], {"seance": "seancer"}, ["seancer"])
             for _ in pending]  # fmt: skip
    with session_scope(engine) as session:
        services.store_readings(session, pending=pending, found=found)
        still = [text for _, _, text in services.pending_passages(session, limit=1000)]
    assert any("19 h 02" in text for text in still)
    with session_scope(engine, write=False) as session:
        rows = session.execute(
            select(Passage.text).join(Entity, Entity.passage_id == Passage.id)  # type: ignore[arg-type]
        ).all()
    assert not any("19 h 02" in r[0] for r in rows)
    with session_scope(engine, write=False) as session:
        lemmas = session.execute(select(Passage.text, Passage.search_lemmas)).all()
    assert all(not words for text, words in lemmas if "19 h 02" in text)


MARKDOWN_WITHOUT_FRONT_MATTER = """# Procès-verbal de la séance du conseil municipal du 3 octobre 2024

Lieu : Salle du conseil

Présidence : Anne Dubreuil

## Délibération n° 2024-10-11 : Tarifs de la piscine

Rapporteur : Julien Moreau

Le tarif réduit passe à 2,50 euros pour les moins de 18 ans, pour un coût de 12 000 euros par an.

Vote : pour 30, contre 5, abstentions 2 — adoptée.
"""


def test_markdown_without_front_matter_is_read_like_text(
    engine: Engine, tmp_path: Path, client: TestClient
) -> None:
    """Markdown minutes without front matter: the title line gives the date in words, the items,
    rapporteur and vote are read as in text minutes; the plain-text layout in a .md file too."""
    parsed = parse_bytes(MARKDOWN_WITHOUT_FRONT_MATTER.encode(), "pv.md")
    assert parsed.meeting_date.isoformat() == "2024-10-03"
    assert parsed.title == "Procès-verbal de la séance du conseil municipal du 3 octobre 2024"
    assert (parsed.place, parsed.chair) == ("Salle du conseil", "Anne Dubreuil")
    [item] = parsed.items
    assert (item.number, item.title, item.rapporteur) == ("2024-10-11", "Tarifs de la piscine",
                                                          "Julien Moreau")  # fmt: skip
    assert item.vote is not None and (item.vote.for_, item.vote.against, item.vote.abstentions) == (
        30, 5, 2)  # fmt: skip
    as_text = parse_bytes(TEXT_MINUTES.encode(), "pv.md")
    from_txt = parse_bytes(TEXT_MINUTES.encode(), "pv.txt")
    assert as_text.meeting_date == from_txt.meeting_date
    assert [(i.number, i.title, i.rapporteur, i.adopted) for i in as_text.items] == [
        (i.number, i.title, i.rapporteur, i.adopted) for i in from_txt.items
    ]
    assert [p.text for p in as_text.passages] == [p.text for p in from_txt.passages]
    path = tmp_path / "pv-octobre.md"
    path.write_text(MARKDOWN_WITHOUT_FRONT_MATTER, "utf-8")
    assert ingest_paths(engine, [path])[1] == []
    page = client.get("/council/m/2024-10-03")
    assert page.status_code == 200 and "Tarifs de la piscine" in page.text


BOLD_MINUTES = ROOT / "tests" / "council" / "data" / "cr-villeneuve-gras.md"
FRONT_MATTER = "---\ndate: 2025-03-17\nplace: Salle des fêtes\nchair: Gilles Arnaud\n---\n"


def _items(parsed: Any) -> list[tuple[object, ...]]:
    return [(i.number, i.title, i.rapporteur, i.adopted) for i in parsed.items]


def test_bold_markdown_headings_are_deliberations_with_or_without_front_matter(
    engine: Engine, tmp_path: Path, client: TestClient
) -> None:
    """Minutes in another hand (tests/council/data/cr-villeneuve-gras.md): deliberations opened
    by a bold line, "**Délibération n° 2025-03-07 — Objet**" or "**12. Objet**", a bold
    "**Rapporteur :**" and an italic vote. Read the same with a front matter; passages carry no
    asterisks; the meeting's page and API list the six items under their numbers."""
    source = BOLD_MINUTES.read_text("utf-8")
    bare = parse_bytes(source.encode(), "cr.md")
    fronted = parse_bytes((FRONT_MATTER + source).encode(), "cr.md")
    expected = [
        ("2025-03-07", "Tarifs de la cantine scolaire", "Mme Inès Carvalho", True),
        ("2025-03-08", "Vente d'un terrain communal rue des Tanneurs", "M. Gilles Arnaud", True),
        ("12", "Subvention exceptionnelle au comité des fêtes", "M. Roland Piquet", True),
        ("13", "Motion pour le maintien du bureau de poste", None, False),
        ("14", "Adhésion au groupement de commandes pour l'énergie", None, True),
        ("15", "Décisions prises par le maire par délégation", None, None),
    ]
    assert _items(bare) == expected and _items(fronted) == expected
    assert bare.meeting_date.isoformat() == "2025-03-17" and fronted.place == "Salle des fêtes"
    for parsed in (bare, fronted):
        texts = [p.text for p in parsed.passages]
        assert not any("*" in text for text in texts)
        assert "12. Subvention exceptionnelle au comité des fêtes" in texts
        assert "Adopté à l'unanimité." in texts
        # The debate stays inside its deliberation, in paragraphs.
        debate = next(p for p in parsed.passages if p.text.startswith("Le comité des fêtes"))
        assert parsed.items[debate.item_index or 0].number == "12" and debate.kind == "paragraph"
    # A bold line that is not a numbered title stays a paragraph's words.
    other = parse_bytes(
        (FRONT_MATTER + "**Ordre du jour**\n\nLe maire ouvre la séance.\n").encode(), "x.md"
    )
    assert other.items == [] and [p.text for p in other.passages] == [
        "Ordre du jour", "Le maire ouvre la séance."]  # fmt: skip
    path = tmp_path / "compte-rendu.md"
    path.write_text(source, "utf-8")
    assert ingest_paths(engine, [path])[1] == []
    data = client.get("/api/council/meetings/2025-03-17").json()
    assert [d["number"] for d in data["deliberations"]] == [i[0] for i in expected]
    votes = {d["number"]: d["vote"] for d in data["deliberations"]}
    assert votes["2025-03-07"] == {"for": 25, "against": 0, "abstentions": 0, "voters": 25,
                                   "members": 27}  # fmt: skip
    assert votes["13"] == {"for": 9, "against": 14, "abstentions": None, "members": 27}
    assert votes["15"] is None
    page = client.get("/council/m/2025-03-17")
    assert page.status_code == 200
    assert "Subvention exceptionnelle au comité des fêtes" in page.text and "**" not in page.text


def test_bold_markdown_without_blank_lines_keeps_its_deliberations(tmp_path: Path) -> None:
    """The same minutes with every blank line removed (and the text minutes of the demo's other
    hand, without blank lines, unchanged): each deliberation and its vote are found."""
    source = BOLD_MINUTES.read_text("utf-8")
    squeezed = "\n".join(line for line in source.split("\n") if line.strip())
    for text in (squeezed, FRONT_MATTER + squeezed):
        parsed = parse_bytes(text.encode(), "cr.md")
        assert [i.number for i in parsed.items] == ["2025-03-07", "2025-03-08", "12", "13",
                                                    "14", "15"]  # fmt: skip
        votes = [i.vote and (i.vote.for_, i.vote.against, i.vote.abstentions) for i in parsed.items]
        assert votes[1:4] == [(20, 3, 2), (19, 4, 2), (9, 14, None)]
    plain = parse_bytes(
        (ROOT / "tests" / "council" / "data" / "pv-sans-paragraphes.txt").read_bytes(), "pv.txt"
    )
    assert [i.number for i in plain.items] == ["2025-06-01", "2025-06-02"]
    assert plain.items[0].vote is not None and plain.items[0].vote.for_ == 24
