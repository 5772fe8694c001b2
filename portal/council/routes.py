"""Council minutes: meetings, search with filters and facets, answers that quote the minutes,
meeting pages, upload by agents."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.council import (
    alerts,
    facets,
    forwarded,
    fulltext,
    identifiers,
    method,
    scdl,
    services,
    uploads,
    urls,
)
from portal.council.permissions import ANSWER_QUESTIONS, UPLOAD_MINUTES
from portal.council.queries import entity_filters_from, filters_from
from portal.council.search import Filters, escape_text
from portal.errors import Conflict, DomainError, NotFound, ValidationFailed
from portal.nlp import french
from portal.web import i18n
from portal.web.cache import SharedPage, fragment_cache
from portal.web.downloads import attachment_headers
from portal.web.forms import attempt
from portal.web.i18n import N_, format_datetime, ngettext
from portal.web.i18n import gettext as _
from portal.web.pagination import page_count, past_the_end
from portal.web.permissions import PUBLIC, SIGNED_IN
from portal.web.routing import NeedsThread, flash, on_event_loop, redirect, route, safe_next
from portal.web.templating import (
    cached_shared_candidate,
    cached_shared_page,
    render,
    render_slot_string,
    shareable,
    shared_page_current,
    shared_response,
    visitor_kind,
)

PER_PAGE = 20
MAX_QUERY = 300
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "markdown": "text/markdown; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "htm": "text/html; charset=utf-8",
}
FILTER_PARAMS = ("du", "au", "seance", "theme", "personne", "issue", "lieu", "organisation",
                 "montant", "annee", "mois")  # fmt: skip


def outcome_labels() -> dict[str, str]:
    return {
        "adopted": _("adoptée"),
        "unanimous": _("adoptée à l'unanimité"),
        "rejected": _("rejetée"),
    }


def _page(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


def index(request: Request) -> Response:
    page = _page(request)
    rows, total = services.meetings(request.state.db, page=page, per_page=PER_PAGE)
    pages = page_count(total, PER_PAGE)
    past_the_end(request, page, pages)
    return render(
        request,
        "council/index.html",
        {"meetings": rows, "page": page, "pages": pages, "total": total},
    )


def _query(request: Request) -> str:
    query = request.query_params.get("q", "").strip()
    if len(query) > MAX_QUERY:
        raise ValidationFailed(
            _("La recherche est trop longue (%(n)s caractères au plus).", n=MAX_QUERY)
        )
    return query


def search(request: Request) -> Response:
    query = _query(request)
    filters = filters_from(request)
    entities = entity_filters_from(request)
    page = _page(request)
    db = request.state.db
    params = request.query_params
    current = {k: params[k] for k in FILTER_PARAMS if params.get(k)}
    if entities.year and "annee" not in current:  # a month names its year
        current["annee"] = entities.year
    # The page as every visitor of this kind sees it (results, facets, pagination), rendered
    # once per process for this address, language and state of the index (minutes added,
    # corrected, re-read or read by spaCy change it) and thesaurus; only the follow block is
    # the visitor's own (a slot), rendered again for someone who follows this search. Shared
    # from the second time an address is asked for: a query typed once is rendered for its
    # visitor alone, as before, and kept nowhere.
    # Keyed by what the page reads of its address (the query, its page, the filters), not the
    # address itself: made-up parameters neither multiply the pages kept nor make keys long.
    read = repr((query, page, sorted(current.items())))
    key = ("shared-page", "council-search", hashlib.blake2b(read.encode(), digest_size=16).digest(),
           i18n.current_locale.get(), visitor_kind(request))  # fmt: skip
    kept = cached_shared_candidate(request, key)
    if on_event_loop(request) and (kept is None or not shareable(request)):
        # Tried on the event loop (route inline_first): only a kept page is served there;
        # finding and rendering take the page's thread (before any read: a query asked for
        # the first time, as most are, costs the loop nothing).
        raise NeedsThread
    named = identifiers.find(db, query) if query else []
    if len(named) == 1 and named[0].anchor is not None and not params.get("page"):
        # "délibération 2024-05-12": straight to it.
        return redirect(urls.passage(named[0].meeting_date, named[0].anchor), request)
    # A view only reads: the index's state is read once for its vocabulary, subjects and count of
    # passages spaCy has not read yet.
    state = fulltext.hold_index_state(db)
    user = request.state.user

    def build() -> tuple[dict[str, object], dict[str, object]]:
        return _search_context(request, query, named, filters, entities, page, current), {}

    if on_event_loop(request):
        # the kept page, if it is of this state of the index and of the thesaurus as read (a
        # changed file is read in the thread), answered from `kept` itself: the cache's entry
        # may be replaced by a thread meanwhile
        read_thesaurus = french.thesaurus_if_read() if kept is not None else None
        if (
            kept is None
            or read_thesaurus is None
            or not shared_page_current(request, kept, (state, read_thesaurus))
        ):
            raise NeedsThread
        return _shared_search_response(request, kept, user, query, current)
    generation = (state, french.thesaurus())
    if not shareable(request) or (
        (kept is None or kept.data.get("generation") != generation)
        and not fragment_cache(request.app).asked_before(key)
    ):
        context = _search_context(request, query, named, filters, entities, page, current)
        if user is not None and query:
            context["saved_search"] = alerts.is_followed(
                db, user_id=user.id, query=query, params=current
            )
        return render(request, "council/search.html", context)
    shared, _rendered = cached_shared_page(request, key, generation, "council/search.html", build)
    return _shared_search_response(request, shared, user, query, current)


def _shared_search_response(
    request: Request, shared: SharedPage, user: Any, query: str, current: dict[str, str]
) -> Response:
    """The shared search page for this visitor: the follow block theirs."""
    followed = (
        user is not None
        and bool(query)
        and alerts.is_followed(request.state.db, user_id=user.id, query=query, params=current)
    )
    return shared_response(
        request,
        shared,
        marks={("followed",)} if followed else set(),
        render_slot=lambda slot: render_slot_string(request, slot, {}),
    )


def _search_context(
    request: Request,
    query: str,
    named: list[identifiers.Identified],
    filters: Filters,
    entities: facets.EntityFilters,
    page: int,
    current: dict[str, str],
) -> dict[str, object]:
    """The search page's values as every visitor sees them (not whether they follow it)."""
    db = request.state.db
    state = fulltext.index_state(db)
    found = (
        facets.search(db, query, filters=filters, entities=entities, limit=PER_PAGE,
                      offset=(page - 1) * PER_PAGE)
        if query
        else facets.FacetedResult(services.SearchResult([], 0), facets.EMPTY, [])
    )  # fmt: skip
    result = found.result
    if query:  # "17 passages trouvés" above "Aucun passage ne correspond" on page 99: a 404
        past_the_end(request, page, page_count(result.total_groups, PER_PAGE))

    def with_filter(name: str, value: str | None) -> str:
        params = dict(current)
        if value is None:
            params.pop(name, None)
            if name == "annee":  # a month without its year means nothing
                params.pop("mois", None)
        else:
            params[name] = value
        return urls.search(query, params)

    base_query = urlencode({"q": query, **current})
    return {
        "q": query,
        "named": [
            (n, urls.passage(n.meeting_date, n.anchor) if n.anchor is not None else None)
            for n in named
        ],
        "result": result,
        "hits": result.hits,
        "entity_facets": found.facets,
        "applied": _applied(request, current, entities),
        # Paragraphs spaCy has not read yet are found by their words, not yet by lemmas.
        "unread": state.pending if result.hits else 0,
        "filters": filters,
        "current": current,
        "with_filter": with_filter,
        "outcome_labels": outcome_labels(),
        "topics": services.topics(db),
        "page": page,
        "pages": page_count(result.total_groups, PER_PAGE),
        "base_query": base_query,
        "hits_html": _hits_html(result, query) if result.hits else "",
        "facets_html": (
            _facets_html(result, found.facets, current, with_filter, base_query)
            if result.facets or found.facets.any()
            else ""
        ),
        "saved_search": False,
        "alerts_url": urls.alerts(),
        "login_url": "/login?" + urlencode({"next": urls.search(query, current)}),
    }


# The hit list and the facets' links, written here rather than by the template's loops (about
# 30 hits and 60 links a page: Jinja's per-value calls were a quarter of the page's CPU; issue 18).
# Every value is escaped as the template's {{ }} did; the markup is the template's, whitespace
# included (trim_blocks, lstrip_blocks), so that the page is byte for byte what it was.
def _route_labels() -> dict[str, str]:
    return {
        "écrit": _("tel qu'écrit"),
        "lemme": _("par son lemme"),
        "synonyme": _("synonyme du thésaurus municipal"),
        "orthographe": _("orthographe corrigée"),
    }


_TYPED_WORD = re.compile(r"[^\W_]+")  # a run of letters or digits, accented or not


def _as_typed(query: str) -> dict[str, str]:
    """Each word of the query as the resident wrote it, by its folded form (the search matches
    "videosurveillance"; the page says « vidéosurveillance », as typed)."""
    found: dict[str, str] = {}
    for token in _TYPED_WORD.findall(query):
        found.setdefault(french.fold(token), token)
    return found


def _hits_html(result: services.SearchResult, query: str = "") -> Markup:
    route_labels = {route: escape_text(label) for route, label in _route_labels().items()}
    as_typed = _as_typed(query)
    typed_words: dict[str, str] = {}  # each query word as typed, escaped
    other = escape_text(_("Autre passage de cette délibération"))
    found_words = escape_text(_("Mots trouvés :"))
    # The language's own typography: " : " and « » in French, ": " and “ ” in English.
    colon = escape_text(_(" : "))
    # Each message translated once a page, its values put in for each hit (the messages are
    # constants: no "%" but their placeholders').
    sitting = _("Séance du %(d)s", d="\x00")
    item_number = _("délibération n° %(n)s", n="\x00")
    page_number = _("page %(p)s", p="\x00")
    quoted = _("« %(w)s »", w="\x00")
    out: list[str] = []
    add = out.append
    for group in result.groups:
        add('  <li class="hit-group">\n')
        for position, h in enumerate(group.hits):
            url = escape_text(h.url)
            add('  <div class="hit">\n    <p class="meta"><a href="')
            add(url)
            add('">')
            if position == 0:
                add(escape_text(sitting.replace("\x00", format_datetime(h.meeting_date))))
                if h.item_number:
                    add(" — ")
                    add(escape_text(item_number.replace("\x00", str(h.item_number))))
                if h.item_title:
                    add(colon)
                    add(escape_text(h.item_title))
            else:
                add(other)
            add("</a>")
            if h.page:
                add(" · ")
                add(escape_text(page_number.replace("\x00", str(h.page))))
            add("</p>\n    <blockquote><p>")
            add(h.snippet)
            add("</p></blockquote>\n")
            if h.matched:
                add('<p class="matched">')
                add(found_words)
                add(" ")
                last = len(h.matched) - 1
                for index, (word, typed, route) in enumerate(h.matched):
                    # A matched word is a run of word characters: nothing in it to escape.
                    add(quoted.replace("\x00", word))
                    if route != "écrit" or word.lower() != typed:
                        add(" (")
                        add(route_labels[route])
                        if route != "écrit":
                            add(colon)
                            escaped = typed_words.get(typed)
                            if escaped is None:
                                escaped = typed_words[typed] = escape_text(
                                    as_typed.get(typed, typed)
                                )
                            add(escaped)
                        add(")")
                    if index != last:
                        add(", ")
                add("</p>")
            add("  </div>\n")
        if group.more:
            add('<p class="meta">')
            add(
                escape_text(
                    ngettext(
                        "Et %(num)s autre passage de cette délibération.",
                        "Et %(num)s autres passages de cette délibération.",
                        group.more,
                    )
                )
            )
            add("</p>")
        add("  </li>\n")
    return Markup("".join(out))  # noqa: S704 - every value escaped above


def _facet_link(
    param: str,
    value: str,
    quoted: str,
    current: dict[str, str],
    with_filter: Callable[[str, str | None], str],
    base_url: str,
) -> str:
    """A facet's address: the search's address with the filter added at its end, or (when the
    filter is set already) the address with its value replaced."""
    if current.get(param):
        return str(escape_text(with_filter(param, value)))
    return f"{base_url}&amp;{param}={escape_text(quoted)}"


def _facets_html(
    result: services.SearchResult,
    entity_facets: facets.EntityFacets,
    current: dict[str, str],
    with_filter: Callable[[str, str | None], str],
    base_query: str,
) -> Markup:
    base_url = str(escape_text("/council/search?" + base_query))
    titles = {"topic": _("Thèmes"), "meeting": _("Séances"), "outcome": _("Issue du vote"),
              "person": _("Personnes")}  # fmt: skip
    params = {"topic": "theme", "meeting": "seance", "outcome": "issue", "person": "personne"}
    labels = outcome_labels()
    out: list[str] = []
    add = out.append
    for name in ("topic", "meeting", "outcome", "person"):
        found = result.facets.get(name)
        if not found:
            continue
        param = params[name]
        add(f"  <h3>{escape_text(titles[name])}</h3>\n  <ul>\n")
        for f in found:
            if name == "outcome":
                label = labels[f.value]
            elif name == "topic":
                label = _(f.label)
            else:
                label = f.label
            href = _facet_link(param, f.value, f.quoted, current, with_filter, base_url)
            add(f'    <li><a href="{href}">{escape_text(label)}</a> '
                f'<span class="count">({f.count})</span></li>\n')  # fmt: skip
        add("  </ul>\n")
    for kind, title, param, items in (
        ("place", _("Lieux"), "lieu", entity_facets.places),
        ("organisation", _("Organisations"), "organisation", entity_facets.organisations),
        ("amount", _("Montants cités"), "montant", entity_facets.amounts),
        ("year", _("Dates citées, par année"), "annee", entity_facets.years),
        ("month", _("Dates citées, par mois"), "mois", entity_facets.months),
    ):
        if not items:
            continue
        add(f'  <h3>{escape_text(title)}</h3>\n  <ul class="facet-{kind}">\n')
        chosen = current.get(param)
        for f in items:
            if chosen == f.value:
                add(f'    <li><strong aria-current="true">{escape_text(f.label)}</strong> '
                    f'<span class="count">({f.count})</span> — '
                    f'<a href="{escape_text(with_filter(param, None))}">{escape_text(_("retirer"))}</a></li>\n')  # fmt: skip
            else:
                href = _facet_link(param, f.value, f.quoted, current, with_filter, base_url)
                add(f'    <li><a href="{href}">{escape_text(f.label)}</a> '
                    f'<span class="count">({f.count})</span></li>\n')  # fmt: skip
        add("  </ul>\n")
    return Markup("".join(out))  # noqa: S704 - every value escaped above


def _applied(
    request: Request, current: dict[str, str], entities: facets.EntityFilters
) -> list[tuple[str, str, str]]:
    """Each filter in the address as (parameter, how it reads, its value): every one removable."""
    shown = facets.labels_of(request.state.db, entities)
    labels = outcome_labels()
    words = {
        "du": lambda v: _("Séances à partir du %(d)s", d=v),
        "au": lambda v: _("Séances jusqu'au %(d)s", d=v),
        "seance": lambda v: _("Séance du %(d)s", d=v),
        "theme": lambda v: _("Thème : %(t)s", t=_(v)),
        "personne": lambda v: _("Personne : %(p)s", p=v),
        "issue": lambda v: _("Issue du vote : %(o)s", o=labels.get(v, v)),
        "lieu": lambda v: _("Lieu : %(l)s", l=shown.get("place", v)),
        "organisation": lambda v: _("Organisation : %(o)s", o=shown.get("organisation", v)),
        "montant": lambda v: _("Montant : %(m)s", m=shown.get("amount", v)),
        "annee": lambda v: _("Date citée : %(y)s", y=v),
        "mois": lambda v: _("Mois cité : %(m)s", m=shown.get("month", v)),
    }
    return [(name, words[name](value), value) for name, value in current.items()]


def ask(request: Request) -> Response:
    question = _query(request)
    city = request.app.state.settings.city.short_name
    if question:  # a view that only reads: the index's state read once (vocabulary, statistics)
        fulltext.hold_index_state(request.state.db)
    answer = services.ask(request.state.db, question, city=city) if question else None
    return render(
        request,
        "council/ask.html",
        {
            "q": question,
            "answer": answer,
            "kind_labels": [_(KIND_LABELS.get(k, k)) for k in answer.kinds] if answer else [],
            "not_found_reason": _(RULE_LABELS[answer.rule])
            if answer and answer.rule in RULE_LABELS
            else "",
        },
    )


# Why the answer says "not found" (portal/council/answer.py RULES), as the ask page says it.
RULE_LABELS = {
    "no-words": N_("la question ne contient aucun mot à chercher."),
    "unknown-words": N_("l'essentiel des mots de la question ne figure dans aucun procès-verbal."),
    "no-passage": N_("aucun paragraphe ne contient assez des mots de la question."),
    "fact-missing": N_("des paragraphes en parlent, mais aucune de leurs phrases ne donne le "
                       "montant, le nombre ou la date demandés."),
    "focus-missing": N_("aucun des paragraphes trouvés ne parle de la chose précise demandée."),
    "count-missing": N_("aucune phrase ne donne un nombre à côté de la chose comptée."),
    "amount-elsewhere": N_("les sommes trouvées portent sur autre chose que ce qui est demandé."),
    "label-missing": N_("aucune phrase ne porte le numéro ou le code demandé."),
    "time-missing": N_("aucune phrase ne donne d'horaire."),
    "name-missing": N_("aucune phrase ne donne de nom."),
    "role-missing": N_("aucune phrase ne nomme une personne avec la fonction demandée."),
    "reason-missing": N_("les paragraphes trouvés n'en donnent qu'un tableau (un vote, un tarif), "
                         "qui ne dit pas pourquoi."),
}  # fmt: skip


# What a question asks for (portal/council/questions.py KINDS), as the ask page names it.
KIND_LABELS = {
    "amount": N_("un montant"),
    "count": N_("un nombre"),
    "date": N_("une date"),
    "duration": N_("une durée"),
    "person": N_("une personne"),
    "vote": N_("un vote"),
    "reason": N_("une raison"),
}


def _date(request: Request) -> date:
    try:
        return date.fromisoformat(request.path_params["day"])
    except ValueError as exc:
        raise NotFound(_("Date de séance invalide : utilisez le format AAAA-MM-JJ.")) from exc


# The agenda lists every item up to this many; beyond, only the items that start on the page.
MAX_TOC = 300


def _moved(request: Request, day: date, target: Callable[[date], str]) -> Response | None:
    """A permanent redirect (301) to `target` at the meeting's new date when `day` is a date a
    re-read corrected (services.moved_to), the query string kept; None otherwise."""
    now = services.moved_to(request.state.db, day)
    if now is None:
        return None
    query = request.url.query
    moved = target(now) + (f"?{query}" if query else "")
    # A query safe_next refuses (over-long, a backslash) is left out, not sent to "/".
    return RedirectResponse(moved if safe_next(moved) == moved else target(now), 301)


def meeting(request: Request) -> Response:
    day = _date(request)
    try:
        view = services.meeting_view(request.state.db, day, page=_page(request))
    except NotFound:
        if (moved := _moved(request, day, urls.meeting)) is not None:
            return moved
        raise
    toc = (
        view.toc
        if len(view.toc) <= MAX_TOC
        else [entry for entry in view.toc if entry.page == view.page]
    )
    return render(
        request,
        "council/meeting.html",
        {
            "view": view,
            "toc": toc,
            "toc_cut": len(toc) < len(view.toc),
            # Within this page an item's link is its anchor; on another page, that page's.
            "toc_url": lambda entry: (
                f"#p{entry.anchor}"
                if entry.page == view.page
                else urls.meeting_page(day, entry.page, anchor=entry.anchor)
            ),
            "passage_url": lambda anchor: urls.passage(day, anchor),
            "source_url": urls.meeting_source(day),
            "outcome_labels": outcome_labels(),
        },
    )


def passage(request: Request) -> Response:
    """A paragraph's permanent link: to the page of the minutes where it is, at its anchor."""
    day = _date(request)
    anchor = request.path_params["anchor"]
    try:
        page = services.passage_page(request.state.db, day, anchor)
    except NotFound:
        if (moved := _moved(request, day, lambda now: urls.passage(now, anchor))) is not None:
            return moved
        raise
    return redirect(urls.meeting_page(day, page, anchor=anchor), request)


def source(request: Request) -> Response:
    day = _date(request)
    try:
        m = services.meeting_by_date(request.state.db, day)
    except NotFound:
        if (moved := _moved(request, day, urls.meeting_source)) is not None:
            return moved
        raise
    return Response(
        m.source_bytes,
        media_type=MEDIA_TYPES.get(m.source_format, "application/octet-stream"),
        headers=attachment_headers(m.source_filename or f"pv-{m.meeting_date}.{m.source_format}"),
    )


def _upload_context(request: Request, **extra: object) -> dict[str, object]:
    return {
        "uploads": uploads.recent(request.state.db),
        "status_labels": uploads.STATUS_LABELS,
        **extra,
    }


def upload_page(request: Request) -> Response:
    return render(request, "council/upload.html", _upload_context(request))


def upload(request: Request) -> Response:
    """Store the file and `queued`, nothing more: the worker reads it (uploads.py), and the
    status page says how it went."""
    upload_file = request.state.form.get("file")
    if not isinstance(upload_file, UploadFile) or not upload_file.filename:
        return render(
            request,
            "council/upload.html",
            _upload_context(request, error=_("Choisissez un fichier de procès-verbal.")),
            status_code=400,
        )
    data = upload_file.file.read()  # the body size is capped by the app (PORTAL_MAX_BODY_BYTES)
    result = attempt(
        request,
        lambda: uploads.submit(
            request.state.db,
            filename=upload_file.filename or "",
            data=data,
            actor_id=request.state.user.id,
        ),
    )
    if isinstance(result, DomainError):
        return render(
            request,
            "council/upload.html",
            _upload_context(
                request,
                error=_(
                    "Fichier refusé, rien n'a été enregistré. %(reason)s", reason=result.message
                ),
            ),
            status_code=result.status_code,
        )
    assert result.id is not None
    return redirect(urls.upload(result.id), request)


def upload_status(request: Request) -> Response:
    sent = uploads.get(request.state.db, request.path_params["upload_id"])
    return render(
        request,
        "council/upload_status.html",
        {
            "upload": sent,
            "status_labels": uploads.STATUS_LABELS,
            "waiting": sent.status in (uploads.QUEUED, uploads.PARSING),
            "meeting_url": urls.meeting(sent.meeting_date) if sent.meeting_date else None,
        },
        partial="council/_upload_status.html",
    )


QUESTIONS_PER_PAGE = 20
DESK_PER_PAGE = 30


def questions_page(request: Request) -> Response:
    """The public list: answered questions with their answers, newest first, a page at a time,
    and what still waits."""
    db = request.state.db
    page = _page(request)
    figures = forwarded.figures(db)
    pages = page_count(figures.answered, QUESTIONS_PER_PAGE)
    past_the_end(request, page, pages)
    offset = (page - 1) * QUESTIONS_PER_PAGE
    return render(
        request,
        "council/questions.html",
        {
            "figures": figures,
            "questions": forwarded.answered(db, limit=QUESTIONS_PER_PAGE, offset=offset),
            "passage_url": urls.passage,
            "question_url": urls.forwarded_question,
            "page": page,
            "pages": pages,
        },
    )


def question_page(request: Request) -> Response:
    """One answered question with its answer: the permanent link mailed to the asker."""
    question = forwarded.published(request.state.db, request.path_params["question_id"])
    return render(
        request,
        "council/question.html",
        {"q": question, "passage_url": urls.passage, "list_url": urls.forwarded_questions()},
    )


def forward_question(request: Request) -> Response:
    text = str(request.state.form.get("question", ""))
    result = attempt(
        request,
        lambda: forwarded.forward(request.state.db, asker_id=request.state.user.id, text=text),
    )
    if isinstance(result, DomainError):
        return render(
            request,
            "council/forward_refused.html",
            {"error": result.message, "question": text},
            status_code=result.status_code,
        )
    flash(request, _("Votre question a été transmise au service. Vous recevrez sa réponse par "
                     "courriel ; elle sera aussi publiée sur cette page."))  # fmt: skip
    return redirect(urls.forwarded_questions(), request)


def _desk(request: Request, *, status_code: int = 200, **extra: object) -> Response:
    db = request.state.db
    page = _page(request) if request.method == "GET" else 1
    figures = forwarded.figures(db)
    pages = page_count(figures.waiting, DESK_PER_PAGE)
    past_the_end(request, page, pages)
    offset = (page - 1) * DESK_PER_PAGE
    context = {
        "questions": forwarded.waiting(db, limit=DESK_PER_PAGE, offset=offset),
        "figures": figures,
        "page": page,
        "pages": pages,
        "answer_url": urls.answer_question,
        **extra,
    }
    return render(request, "council/questions_desk.html", context, status_code=status_code)


def questions_desk(request: Request) -> Response:
    return _desk(request)


def answer_question(request: Request) -> Response:
    form = request.state.form
    question_id = request.path_params["question_id"]
    result = attempt(
        request,
        lambda: forwarded.answer(
            request.state.db,
            question_id=question_id,
            agent_id=request.state.user.id,
            text=str(form.get("answer", "")),
            citation=str(form.get("citation", "")),
        ),
    )
    if isinstance(result, DomainError):
        return _desk(request, error=result.message, failed=question_id,
                     typed={"answer": form.get("answer", ""), "citation": form.get("citation", "")},
                     status_code=result.status_code)  # fmt: skip
    flash(request, _("Réponse publiée ; la personne qui a posé la question en est avertie."))
    return redirect(urls.questions_desk(), request)


def _form_params(request: Request) -> dict[str, str]:
    form = request.state.form
    return {k: str(form.get(k, "")).strip() for k in FILTER_PARAMS if str(form.get(k, "")).strip()}


def follow_search(request: Request) -> Response:
    """ "Suivre cette recherche": a plain form (q and its filters) that works without JS."""
    query = str(request.state.form.get("q", ""))
    params = _form_params(request)
    back = urls.search(query.strip(), params)
    result = attempt(
        request,
        lambda: alerts.follow(
            request.state.db, user_id=request.state.user.id, query=query, params=params
        ),
    )
    if isinstance(result, DomainError):
        flash(request, result.message)
        return redirect(back, request)
    flash(request, _("Vous suivez cette recherche : un courriel vous signalera les nouveaux "
                     "procès-verbaux qui y répondent."))  # fmt: skip
    return redirect(back, request)


def alerts_page(request: Request) -> Response:
    """A resident's followed searches, each with its link and a button to stop following it."""
    rows = alerts.mine(request.state.db, user_id=request.state.user.id)
    return render(
        request,
        "council/alerts.html",
        {
            "searches": [(s, alerts.search_path(s), urls.alert_remove(s.id or 0)) for s in rows],
        },
    )


def remove_alert(request: Request) -> Response:
    row = alerts.remove(
        request.state.db, user_id=request.state.user.id, saved_id=request.path_params["saved_id"]
    )
    flash(request, _("Vous ne suivez plus la recherche « %(q)s ».", q=row.query))
    return redirect(urls.alerts(), request)


def alert_unsubscribe_page(request: Request) -> Response:
    """The mail's link: a GET shows a button (it never changes anything); works signed out."""
    token = request.path_params["token"]
    row = alerts.by_token(request.state.db, token)
    return render(request, "council/alert_unsubscribe.html",
                  {"saved": row, "done": False, "action": urls.alert_unsubscribe(token)})  # fmt: skip


def alert_unsubscribe(request: Request) -> Response:
    token = request.path_params["token"]
    row = alerts.unsubscribe(request.state.db, token=token)
    return render(request, "council/alert_unsubscribe.html",
                  {"saved": row, "done": True, "action": urls.alert_unsubscribe(token)})  # fmt: skip


def deliberations_csv(request: Request) -> Response:
    """The deliberations in the national SCDL « délibérations » format (v2.1.4)."""
    settings = request.app.state.settings
    if not settings.city.siret and services.meeting_count(request.state.db):
        # COLL_SIRET is required by the schema: a file without it would not be valid.
        raise Conflict(
            _("Les délibérations seront publiées au format SCDL une fois le numéro SIRET de la "
              "commune renseigné (réglage PORTAL_CITY_SIRET).")
        )  # fmt: skip
    body = scdl.csv_text(request.state.db, city=settings.city, base_url=settings.base_url)
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers=attachment_headers("deliberations-scdl.csv"),
    )


def method_page(request: Request) -> Response:
    return render(
        request,
        "council/method.html",
        {
            "sets": method.SETS,
            "measured_on": method.MEASURED_ON,
        },
    )


routes = [
    route("/council", index, permission=PUBLIC, cache_seconds=5, name="council_index"),
    route(
        "/council/search",
        search,
        permission=PUBLIC,
        threaded=True,
        cpu_bound=True,
        inline_first=True,
        cache_seconds=5,
    ),
    route("/council/ask", ask, permission=PUBLIC, threaded=True, cpu_bound=True, cache_seconds=5),
    route("/council/m/{day}", meeting, permission=PUBLIC, cache_seconds=5),
    route("/council/m/{day}/p/{anchor:int}", passage, permission=PUBLIC),
    route("/council/m/{day}/source", source, permission=PUBLIC),
    route("/council/methode", method_page, permission=PUBLIC, cache_seconds=5),
    route("/council/questions", questions_page, permission=PUBLIC, cache_seconds=5),
    route("/council/questions", forward_question, methods=["POST"], permission=SIGNED_IN),
    route("/council/questions/desk", questions_desk, permission=ANSWER_QUESTIONS),
    route(
        "/council/questions/{question_id:int}", question_page, permission=PUBLIC, cache_seconds=5
    ),
    route(
        "/council/questions/{question_id:int}/answer",
        answer_question,
        methods=["POST"],
        permission=ANSWER_QUESTIONS,
    ),
    route("/council/deliberations.csv", deliberations_csv, permission=PUBLIC, threaded=True),
    route("/council/alerts", alerts_page, permission=SIGNED_IN),
    route("/council/alerts", follow_search, methods=["POST"], permission=SIGNED_IN),
    route(
        "/council/alerts/{saved_id:int}/delete",
        remove_alert,
        methods=["POST"],
        permission=SIGNED_IN,
    ),
    route("/council/alerts/unsubscribe/{token}", alert_unsubscribe_page, permission=PUBLIC),
    route(
        "/council/alerts/unsubscribe/{token}",
        alert_unsubscribe,
        methods=["POST"],
        permission=PUBLIC,
        name="council_alert_unsubscribe_post",
        # Mail clients' one-click unsubscribe (RFC 8058) posts here without our form: the token
        # in the address is the authority.
        csrf_exempt=True,
    ),
    route("/council/upload", upload_page, permission=UPLOAD_MINUTES),
    route("/council/upload", upload, methods=["POST"], permission=UPLOAD_MINUTES),
    route("/council/uploads/{upload_id:int}", upload_status, permission=UPLOAD_MINUTES),
]
