"""French text for search, shared by every module: accent folding, a stop-word list of our own,
Snowball stemming, the municipal thesaurus. Plain Python (no spaCy), so the same keys are built
on both databases."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from contextvars import ContextVar, Token
from functools import lru_cache
from pathlib import Path

import snowballstemmer

WORD = re.compile(r"[a-z0-9]+")
# Our own short list of French function words that carry no meaning for search.
STOP_WORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "cet",
        "cette",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "et",
        "eu",
        "il",
        "ils",
        "je",
        "la",
        "le",
        "les",
        "leur",
        "lui",
        "ma",
        "mais",
        "me",
        "meme",
        "mes",
        "moi",
        "mon",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "y",
        "l",
        "d",
        "s",
        "n",
        "c",
        "j",
        "m",
        "t",
        "qu",
        "est",
        "sont",
        "ete",
        "etre",
        "avoir",
        "ont",
        "a",
        "quel",
        "quelle",
        "quels",
        "quelles",
        "quand",
        "comment",
        "combien",
        "pourquoi",
        "ou",
        "quoi",
        "dont",
        "lors",
        "entre",
        "depuis",
    ]
)


_local = threading.local()


def _stemmer() -> snowballstemmer.stemmer:
    """One Snowball stemmer per thread: a stemmer keeps state while it works, and searches served in
    parallel threads sharing one raised IndexError (seen under the production load test)."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("french")
    return stemmer


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "’": "'"})


def fold(text: str) -> str:
    """'Cœur ÉTÉ' -> 'coeur ete': accents off, lower case. Same result as portal.text's
    fold_accents for French, about ten times faster on long passages (done in C)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(LIGATURES))
    return decomposed.encode("ascii", "ignore").decode("ascii").lower()


def terms(text: str) -> list[str]:
    """'Les piscines municipales' -> ['piscin', 'municipal']: folded, stop words out, stemmed."""
    return [stem(w) for w in WORD.findall(fold(text)) if w not in STOP_WORDS]


# --- the municipal thesaurus --------------------------------------------------------------------
#
# content/thesaurus.txt, a plain file the city edits: one line per set of words that stand for
# one another ("mairie, hôtel de ville"), or "a, b => c, d" when only the left-hand words lead to
# the right-hand ones (a resident's "piscinne" is no reason to show "piscine" pages a "bassin").
# Lines starting with "#" are comments. The file is read when first needed and again whenever it
# changes on disk; a file with a syntax error is refused with its line number and the previous
# thesaurus stays in use.


class ThesaurusError(ValueError):
    """A syntax error in the thesaurus; the French message names the line."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"thésaurus, ligne {line} : {reason}")
        self.line = line
        self.reason = reason


TERM_CHARS = re.compile(r"^[\w' \-’.]+$")


def phrase_key(text: str) -> str:
    """'Hôtel de Ville' -> 'hotel ville': the folded words a search sees, stop words out."""
    return " ".join(w for w in WORD.findall(fold(text)) if w not in STOP_WORDS)


def stem_key(phrase: str) -> str:
    """'lampadaires publics' -> 'lampadair public': how the thesaurus is looked up, so that a
    plural or another form of a word finds its line."""
    return " ".join(stem(w) for w in phrase.split())


class Thesaurus:
    """Phrases, by their stems ('hotel vill') -> the folded phrases they also stand for."""

    def __init__(self, links: dict[str, tuple[str, ...]] | None = None) -> None:
        self.links = links or {}
        self.longest = max((len(k.split()) for k in self.links), default=0)

    def __len__(self) -> int:
        return len(self.links)

    def synonyms(self, phrase: str) -> tuple[str, ...]:
        """The phrases a word or phrase also stands for (folded, then by its stems)."""
        return self.links.get(stem_key(phrase_key(phrase)), ())

    def expand(self, words: list[str]) -> list[tuple[int, int, str, tuple[str, ...]]]:
        """The thesaurus phrases found in a list of folded words, longest first and without
        overlap: (start, end, phrase as written, its synonyms)."""
        found = []
        taken: set[int] = set()
        stems = [stem(w) for w in words]
        for size in range(min(self.longest, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                span = set(range(start, start + size))
                key = " ".join(stems[start : start + size])
                if key in self.links and not span & taken:
                    phrase = " ".join(words[start : start + size])
                    found.append((start, start + size, phrase, self.links[key]))
                    taken |= span
        return sorted(found)


def parse_thesaurus(text: str) -> Thesaurus:
    """Read the thesaurus file's text; ThesaurusError names the first bad line."""
    links: dict[str, list[str]] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.count("=>") > 1:
            raise ThesaurusError(number, "« => » ne peut figurer qu'une fois par ligne")
        one_way = "=>" in line
        sides = line.split("=>") if one_way else [line, line]
        groups = []
        for side in sides:
            terms_ = [t.strip() for t in side.split(",")]
            if any(not t for t in terms_):
                raise ThesaurusError(number, "un terme est vide (virgule en trop ?)")
            for term in terms_:
                if not TERM_CHARS.match(term):
                    raise ThesaurusError(number, f"caractère inattendu dans « {term} »")
                if not phrase_key(term):
                    raise ThesaurusError(number, f"« {term} » ne contient que des mots vides")
            groups.append([phrase_key(t) for t in terms_])
        if not one_way and len(groups[0]) < 2:
            raise ThesaurusError(
                number, "au moins deux termes séparés par des virgules (ou « => ») sont attendus"
            )
        for left in groups[0]:
            targets = links.setdefault(stem_key(left), [])
            targets += [r for r in groups[1] if stem_key(r) != stem_key(left) and r not in targets]
    return Thesaurus({k: tuple(v) for k, v in links.items() if v})


THESAURUS_FILE = Path(__file__).resolve().parents[2] / "content" / "thesaurus.txt"
_thesaurus_lock = threading.Lock()
_loaded: dict[Path, tuple[float, Thesaurus]] = {}
log = logging.getLogger(__name__)


def load_thesaurus(path: Path = THESAURUS_FILE) -> Thesaurus:
    """Read the thesaurus file now: raises ThesaurusError (the previous one stays in use)."""
    try:
        stamp = path.stat().st_mtime_ns
        text = path.read_text(encoding="utf-8")
    except OSError:
        # No file: an empty thesaurus, kept (one object, as for a file: it keys caches).
        empty = Thesaurus()
        with _thesaurus_lock:
            _loaded[path] = (-1, empty)
        return empty
    parsed = parse_thesaurus(text)
    with _thesaurus_lock:
        _loaded[path] = (stamp, parsed)
    return parsed


# One thesaurus for the whole of a request (the web middleware opens the scope): a search page
# asked for it three or four times, each a stat() of the file (2 % of a changing search on the
# ten-year archive), and a file changed mid-request could give its ranking one thesaurus and
# its page another. Outside a request (commands, jobs, tests) every call looks at the file.
_of_request: ContextVar[dict[Path, Thesaurus] | None] = ContextVar(
    "thesaurus_of_request", default=None
)


def request_scope() -> Token[dict[Path, Thesaurus] | None]:
    """Open a request's scope (pass the token to end_request_scope)."""
    return _of_request.set({})


def end_request_scope(token: Token[dict[Path, Thesaurus] | None]) -> None:
    _of_request.reset(token)


def _stamp(path: Path) -> float:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


def thesaurus_if_read(path: Path = THESAURUS_FILE) -> Thesaurus | None:
    """The thesaurus in use if the file has not changed since it was read, else None (nothing
    parsed: for a view on the event loop, which leaves reading the file to a thread)."""
    seen = _of_request.get()
    if seen is not None and path in seen:
        return seen[path]
    stamp = _stamp(path)
    with _thesaurus_lock:
        known = _loaded.get(path)
    found = known[1] if known is not None and known[0] == stamp else None
    if seen is not None and found is not None:
        seen[path] = found
    return found


def thesaurus(path: Path = THESAURUS_FILE) -> Thesaurus:
    """The thesaurus in use: read again when the file changed (within a request, the one the
    request saw first); a file with an error is refused (logged with its line) and the previous
    thesaurus kept."""
    seen = _of_request.get()
    if seen is not None and path in seen:
        return seen[path]
    found = _current(path)
    if seen is not None:
        seen[path] = found
    return found


def _current(path: Path) -> Thesaurus:
    stamp = _stamp(path)
    with _thesaurus_lock:
        known = _loaded.get(path)
    if known is not None and known[0] == stamp:
        return known[1]
    try:
        return load_thesaurus(path)
    except ThesaurusError as exc:
        log.error("%s : fichier refusé, le thésaurus précédent reste en usage", exc)
        previous = known[1] if known else Thesaurus()
        with _thesaurus_lock:
            _loaded[path] = (stamp, previous)  # not read again until the file changes
        return previous


def synonym_phrases(text: str, path: Path = THESAURUS_FILE) -> list[str]:
    """The thesaurus phrases a text's words also stand for ('répondeur vocal' -> 'serveur
    vocal'), for indexes that store each entry's words once (the register)."""
    words = [w for w in WORD.findall(fold(text)) if w not in STOP_WORDS]
    return [s for *_, synonyms in thesaurus(path).expand(words) for s in synonyms]
