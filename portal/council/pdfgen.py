"""Render some demo minutes as PDF, laid out like real French minutes.

`python -m portal.council.pdfgen` (run by the Makefile at set-up) turns each Markdown source of
content/council/pdf-sources/ into content/council/pdf/<date>.pdf: a header and a footer with the page
number repeated on every page, the meeting's facts written out ("Présents : …"), justified-width
lines with words hyphenated at line ends. The PDF path of the ingest, with its cleaning, thus runs
in the demo and in the tests on files we made ourselves.
"""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path

import yaml
from fpdf import FPDF

from portal.council.parse import text_pages
from portal.settings import DEMO_CITY

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]  # fmt: skip
VOWELS = set("aeiouyàâäéèêëîïôöùûü")


def french_date(day: date) -> str:
    return f"{day.day}{'er' if day.day == 1 else ''} {MONTHS[day.month - 1]} {day.year}"


def hyphenate(word: str, fits: int) -> tuple[str, str] | None:
    """Cut `word` before a consonant that starts a syllable (vowel-consonant-vowel), keeping at
    most `fits` letters and at least three on each side; None when no such cut fits."""
    if len(word) < 7 or not word.isalpha() or not word.islower():
        return None
    for cut in range(min(fits, len(word) - 3), 2, -1):
        if word[cut - 1] in VOWELS and word[cut] not in VOWELS and word[cut + 1] in VOWELS:
            return word[:cut] + "-", word[cut:]
    return None


class MinutesPDF(FPDF):
    def __init__(self, running_title: str, city: str) -> None:
        super().__init__(format="A4")
        self.running_title = running_title
        self.city = city
        self.add_font("dejavu", fname=str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("dejavu", style="B", fname=str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(22, 20, 22)
        self.set_auto_page_break(True, margin=22)
        self.alias_nb_pages()

    def header(self) -> None:
        self.set_font("dejavu", size=8)
        self.cell(0, 5, f"{self.city} — Conseil municipal", new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 5, self.running_title, new_x="LMARGIN", new_y="NEXT")
        self.ln(6)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("dejavu", size=8)
        self.cell(0, 5, f"Page {self.page_no()} sur {{nb}}", align="C")

    def paragraph(self, text: str, *, size: float = 10.5, bold: bool = False) -> None:
        """Write `text` in lines we break ourselves, hyphenating a long word at a line end."""
        self.set_font("dejavu", style="B" if bold else "", size=size)
        width = self.w - self.l_margin - self.r_margin
        line_height = size * 0.5
        line = ""
        words = text.split()
        while words:
            word = words.pop(0)
            candidate = f"{line} {word}" if line else word
            if self.get_string_width(candidate) <= width:
                line = candidate
                continue
            if line and not bold:
                # Find the longest hyphenated beginning of the word that still fits.
                room = width - self.get_string_width(line + " ")
                for fits in range(len(word) - 3, 2, -1):
                    cut = hyphenate(word, fits)
                    if cut and self.get_string_width(cut[0]) <= room:
                        line = f"{line} {cut[0]}"
                        words.insert(0, cut[1])
                        break
                else:
                    words.insert(0, word)
            elif line:
                words.insert(0, word)
            else:
                line = word  # a single word wider than the line: let it overflow
            self.cell(0, line_height, line, new_x="LMARGIN", new_y="NEXT")
            line = ""
        if line:
            self.cell(0, line_height, line, new_x="LMARGIN", new_y="NEXT")
        self.ln(line_height * 0.9)


def render(source: Path) -> bytes:
    """The PDF of one Markdown source with a front matter (see content/council/pdf-sources/)."""
    return render_text(source.read_text(encoding="utf-8"), name=str(source))


def render_text(text: str, *, name: str = "minutes") -> bytes:
    match = re.match(r"\A---\n(.*?)\n---\n(.*)\Z", text, re.S)
    if not match:
        raise ValueError(f"{name}: front matter missing")
    meta = yaml.safe_load(match.group(1))
    day: date = meta["date"]
    # The city whose minutes these are: the source's own `city:`, else the demo's (these
    # sources are the demo's minutes).
    city = str(meta.get("city") or DEMO_CITY.official_name)
    pdf = MinutesPDF(f"Procès-verbal de la séance du {french_date(day)}", city)
    pdf.set_title(f"Procès-verbal du conseil municipal du {french_date(day)}")
    pdf.set_author(city)
    pdf.add_page()
    facts = [
        ("Lieu", meta.get("place")),
        ("Présidence", meta.get("chair")),
        ("Secrétaire de séance", meta.get("secretary")),
        ("Présents", ", ".join(meta.get("present") or [])),
        ("Absents", ", ".join(meta.get("absent") or [])),
        ("Pouvoirs", " ; ".join(f"{p['from']} à {p['to']}" for p in meta.get("proxies") or [])),
    ]
    body = [p.strip() for p in re.split(r"\n\s*\n", match.group(2)) if p.strip()]
    for block in body:
        if block.startswith("# "):
            pdf.paragraph(block[2:].strip(), size=13, bold=True)
            for label, value in facts:
                if value:
                    pdf.paragraph(f"{label} : {value}")
        elif block.startswith("## "):
            pdf.ln(2)
            pdf.paragraph(block[3:].strip(), size=11, bold=True)
        else:
            pdf.paragraph(" ".join(block.split()))
    return bytes(pdf.output())


class PlainPDF(FPDF):
    """A page of text as it is: no header or footer of our own (the text carries its own)."""

    def __init__(self) -> None:
        super().__init__(format="A4")
        self.add_font("dejavu", fname=str(FONT_DIR / "DejaVuSans.ttf"))
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=15)


def render_plain(text: str, *, size: float = 8.5) -> bytes:
    """A PDF of a text file line for line, as a word processor would print it: one PDF page per
    page of the text (form feeds, "Page N/M" footers; more when a page overflows), a blank line
    kept as a gap. Lines wider than the page
    are wrapped. Used to give the PDF form of text minutes (tests/council/test_eval2.py)."""
    pdf = PlainPDF()
    pdf.set_font("dejavu", size=size)
    line_height = size * 0.45
    width = pdf.w - pdf.l_margin - pdf.r_margin
    text = text.replace("\r\n", "\n")
    for page in text_pages(text) or [text]:
        if not page.strip():
            continue
        pdf.add_page()
        for line in page.strip("\n").split("\n"):
            # A tab is a column's gap as a word processor prints it (the font has no tab glyph:
            # a tab-separated vote table ran together, "VotantsExprimés", in the PDF's text).
            line = line.expandtabs(8)
            if not line.strip():
                pdf.ln(line_height)
            elif pdf.get_string_width(line) <= width:
                pdf.cell(0, line_height, line.rstrip(), new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.multi_cell(0, line_height, line.strip(), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def generate(sources: Path, target: Path) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sorted(sources.glob("*.md")):
        out = target / f"{source.stem}.pdf"
        out.write_bytes(render(source))
        written.append(out)
    return written


def main() -> int:
    content = Path(__file__).resolve().parents[2] / "content" / "council"
    for path in generate(content / "pdf-sources", content / "pdf"):
        print(f"council: wrote {path.relative_to(content.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
