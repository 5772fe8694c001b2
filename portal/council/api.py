"""JSON API of the council module: search, answers, meetings and deliberations."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from portal.council import answer as answer_rules
from portal.council import facets, fulltext, identifiers, services, urls
from portal.council.models import Item, Meeting, Passage
from portal.council.queries import entity_filters_from, filters_from
from portal.errors import NotFound, ValidationFailed
from portal.web.i18n import gettext as _
from portal.web.permissions import PUBLIC
from portal.web.routing import route


def _q(request: Request) -> str:
    query = request.query_params.get("q", "").strip()
    if not query or len(query) > 300:
        raise ValidationFailed(_("Le paramètre q (1 à 300 caractères) est obligatoire."))
    return query


def _limit(request: Request) -> int:
    try:
        return min(100, max(1, int(request.query_params.get("limit", "20"))))
    except ValueError as exc:
        raise ValidationFailed(_("Le paramètre limit doit être un entier de 1 à 100.")) from exc


SEARCH_METHOD = (
    "full-text: the query's words, accents folded, each as written and by its lemma (spaCy "
    "fr_core_news_sm), stemmed by the French Snowball algorithm, matched against the passages' "
    "words and, once spaCy has read them, their lemmas; ranked by BM25 (SQLite FTS5) or ts_rank "
    "(PostgreSQL, french configuration)"
)


# The query parameter each facet of the search fills (its values are the parameter's values).
FACET_PARAMS = {"topic": "theme", "meeting": "seance", "outcome": "issue", "person": "personne",
                "place": "lieu", "organisation": "organisation", "amount": "montant",
                "year": "annee", "month": "mois"}  # fmt: skip


def _facet_json(name: str, facet: services.Facet) -> dict[str, Any]:
    entry: dict[str, Any] = {"value": facet.value, "label": facet.label, "count": facet.count}
    if name == "amount":
        entry["min"], entry["max"] = facets.amount_bounds(facet.value)
    return entry


def _entity_facets(found: facets.EntityFacets) -> dict[str, list[services.Facet]]:
    return {"place": found.places, "organisation": found.organisations,
            "amount": found.amounts, "year": found.years, "month": found.months}  # fmt: skip


def api_search(request: Request) -> Response:
    query = _q(request)
    session = request.state.db
    filters = filters_from(request)
    entities = entity_filters_from(request)
    with_facets = request.query_params.get("facets") == "1"
    counted: dict[str, list[services.Facet]] = {}
    # A request that only reads: the index's state read once, and the entities kept per process
    # for it give the facets, as on the search page (the same labels and ties on any database).
    fulltext.hold_index_state(session)
    if entities.active() or with_facets:
        # The entity filters and facets need the ranked candidates: facets.py ranks them.
        flat = facets.flat_search(
            session, query, filters=filters, entities=entities, limit=_limit(request)
        )
        result = flat.result
        if with_facets:
            counted = {**result.facets, **_entity_facets(flat.facets)}
    else:
        result = services.search(session, query, filters=filters, limit=_limit(request))
    body: dict[str, Any] = {
        "query": query,
        "terms": result.terms,
        "method": SEARCH_METHOD,
        # Passages matching (counted up to 300), after the filters.
        "total": result.total,
        "hits": [
            {
                "meeting_date": h.meeting_date.isoformat(),
                "deliberation": h.item_number,
                "item_title": h.item_title,
                "page": h.page,
                "url": h.url,
                "snippet": str(h.snippet),
                "text": h.text,
                "matched": [
                    {"word": word, "query_word": typed, "route": route}
                    for word, typed, route in h.matched
                ],
            }
            for h in result.hits
        ],
        "suggestion": result.suggestion,
        "unknown": result.unknown,
        # A query naming a deliberation ("délibération 2024-05-12", "DM n°2"): the ones named.
        "deliberations": [
            {
                "number": n.number,
                "title": n.title,
                "meeting_date": n.meeting_date.isoformat(),
                "url": urls.meeting(n.meeting_date, anchor=n.anchor),
            }
            for n in identifiers.find(request.state.db, query)
        ],
    }
    if with_facets:
        body["facets"] = {
            name: [_facet_json(name, f) for f in values] for name, values in counted.items()
        }
        body["facet_params"] = FACET_PARAMS
    applied = facets.labels_of(session, entities) if entities.active() else {}
    body["filters"] = {
        param: {"value": value, **({"label": applied[attr]} if attr in applied else {})}
        for param, attr, value in _applied(request, entities)
    }
    return JSONResponse(body)


def _applied(request: Request, entities: facets.EntityFilters) -> list[tuple[str, str, str]]:
    """(query parameter, attribute, value) of every filter applied, search's and entities'."""
    out = []
    for param in ("du", "au", "seance", "theme", "personne", "issue"):
        if value := request.query_params.get(param, "").strip():
            out.append((param, param, value))
    for param, attr in facets.PARAMS.items():
        # (a month sets its year: only the parameters given are listed)
        if request.query_params.get(param, "").strip() and (value := getattr(entities, attr)):
            out.append((param, attr, value))
    return out


def api_ask(request: Request) -> Response:
    question = _q(request)
    if question:  # a request that only reads: the index's state read once, as on the page
        fulltext.hold_index_state(request.state.db)
    answer = services.ask(
        request.state.db, question, city=request.app.state.settings.city.short_name
    )
    body: dict[str, Any] = {
        "question": question,
        "found": answer.found,
        "answer": [
            {
                "quote": q.text,
                "meeting_date": q.meeting_date.isoformat(),
                "deliberation": q.deliberation,
                "item_title": q.item_title,
                "page": q.page,
                "url": q.url,
                "kind": q.kind,
            }
            for q in answer.quotes
        ],
        "terms": answer.terms,
        "kinds": answer.kinds,
        "corrections": answer.corrections,
        "unknown": answer.unknown,
        "method": "extractive: sentences quoted verbatim from the passages found by the full-text "
        "search, scored by the question's words (as written, by their lemma, a synonym of the "
        "municipal thesaurus or their corrected spelling) weighted by rarity (IDF), the kind of "
        "fact asked for (amount, count, date, person, vote, reason) first; nothing is generated",
    }
    if not answer.found:
        # which rule said "not found" (portal/council/answer.py RULES), and in a sentence
        body["not_found_rule"] = answer.rule or None
        body["not_found_reason"] = answer_rules.RULES.get(answer.rule)
        body["maybe_useful"] = [
            {"meeting_date": h.meeting_date.isoformat(), "deliberation": h.item_number,
             "item_title": h.item_title, "page": h.page, "url": h.url, "text": h.text}
            for h in answer.maybe
        ]  # fmt: skip
        city = request.app.state.settings.city
        body["contact"] = {
            "name": city.name,
            "phone": city.phone,
            "address": city.address,
            "hours": city.hours,
            "email": city.email,
        }
    return JSONResponse(body)


def _item_json(item: Item, meeting_date: date, anchor: int | None) -> dict[str, Any]:
    return {
        "number": item.number,
        "title": item.title,
        "rapporteur": item.rapporteur,
        "topic": item.topic,
        "adopted": item.adopted,
        "unanimous": item.unanimous,
        # The counts the minutes give (null: not given; a unanimous vote without the number of
        # voters has 0 against and no count for), voters and members in office when written.
        "vote": None
        if item.vote_for is None and item.vote_against is None
        else {"for": item.vote_for, "against": item.vote_against,
              "abstentions": item.vote_abstentions,
              **({"voters": item.vote_voters} if item.vote_voters is not None else {}),
              **({"members": item.vote_members} if item.vote_members is not None else {})},
        "url": urls.meeting(meeting_date, anchor=anchor),
    }  # fmt: skip


def _api_page(request: Request) -> int:
    raw = request.query_params.get("page", "1").strip()
    if not raw.isdigit() or int(raw) < 1:
        raise ValidationFailed(_("Le paramètre page doit être un entier à partir de 1."))
    return int(raw)


def _passage_json(day: date, p: Passage) -> dict[str, Any]:
    return {"anchor": p.anchor, "page": p.page, "kind": p.kind, "text": p.text,
            "url": urls.passage(day, p.anchor)}  # fmt: skip


def api_meeting(request: Request) -> Response:
    try:
        day = date.fromisoformat(request.path_params["day"])
    except ValueError as exc:
        raise NotFound("Date de séance invalide : utilisez le format AAAA-MM-JJ.") from exc
    view = services.meeting_view(request.state.db, day, page=_api_page(request))
    m = view.meeting
    return JSONResponse(
        {
            "meeting_date": m.meeting_date.isoformat(),
            "title": m.title,
            "place": m.place,
            "chair": m.chair,
            "secretary": m.secretary,
            "present": m.present,
            "absent": m.absent,
            "proxies": [{"from": a, "to": b} for a, b in m.proxies],
            "source": {
                "filename": m.source_filename,
                "format": m.source_format,
                "url": urls.meeting_source(m.meeting_date),
            },
            "deliberations": [_item_json(e.item, m.meeting_date, e.anchor) for e in view.toc],
            "page": view.page,
            "pages": view.pages,
            "per_page": view.per_page,
            "total_passages": view.total_passages,
            "next": urls.api_meeting(day, view.page + 1) if view.page < view.pages else None,
            "previous": urls.api_meeting(day, view.page - 1) if view.page > 1 else None,
            "passages": [_passage_json(day, p) for p in view.passages],
            "entities": {
                kind: [{"value": v, "count": n} for v, n in values]
                for kind, values in view.entities.items()
            },
        }
    )


# A deliberation's passages in one answer, at most (a debate is a few dozen paragraphs).
MAX_ITEM_PASSAGES = 1000


def api_deliberation(request: Request) -> Response:
    number = request.path_params["number"]
    if not re.fullmatch(r"[\w-]{1,40}", number):
        raise NotFound("Aucune délibération ne porte ce numéro.")
    row = request.state.db.execute(
        select(Item, Meeting.meeting_date)
        .join(Meeting, Meeting.id == Item.meeting_id)
        .where(Item.number == number)
        .order_by(Meeting.meeting_date.desc())  # type: ignore[attr-defined]
        .limit(1)
    ).first()
    if row is None:
        raise NotFound("Aucune délibération ne porte ce numéro.")
    item, meeting_date = row
    passages, total = services.item_passages(request.state.db, item.id, limit=MAX_ITEM_PASSAGES)
    body = _item_json(item, meeting_date, passages[0].anchor if passages else None)
    body["meeting_date"] = meeting_date.isoformat()
    body["total_passages"] = total
    body["passages"] = [_passage_json(meeting_date, p) for p in passages]
    return JSONResponse(body)


routes = [
    route("/api/council/search", api_search, permission=PUBLIC, threaded=True, cpu_bound=True),
    route("/api/council/ask", api_ask, permission=PUBLIC, threaded=True, cpu_bound=True),
    route("/api/council/meetings/{day}", api_meeting, permission=PUBLIC),
    route("/api/council/deliberations/{number}", api_deliberation, permission=PUBLIC),
]

_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
_Q = {
    "name": "q",
    "in": "query",
    "required": True,
    # At least one visible character, no NUL (blank questions get a 400).
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": 300,
        # \s in ECMA regexes lacks U+001C-U+001F and U+0085, which Python's strip() removes.
        "pattern": "^[^\\u0000]*[^\\s\\u0000\\u001c-\\u001f\\u0085][^\\u0000]*$",
    },
}
_DATE = {"type": "string", "format": "date"}
_FILTERS = [
    {"name": "du", "in": "query", "required": False, "schema": _DATE,
     "description": "Meetings on or after this date"},
    {"name": "au", "in": "query", "required": False, "schema": _DATE,
     "description": "Meetings on or before this date"},
    {"name": "seance", "in": "query", "required": False, "schema": _DATE,
     "description": "One meeting"},
    {"name": "theme", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 80}},
    {"name": "personne", "in": "query", "required": False,
     "schema": {"type": "string", "maxLength": 200}, "description": "Folded name (facet value)"},
    {"name": "issue", "in": "query", "required": False,
     "schema": {"type": "string", "enum": ["adopted", "unanimous", "rejected"]}},
    {"name": "lieu", "in": "query", "required": False,
     "schema": {"type": "string", "maxLength": 200},
     "description": "Passages naming this place (a value of the `place` facet)"},
    {"name": "organisation", "in": "query", "required": False,
     "schema": {"type": "string", "maxLength": 200},
     "description": "Passages naming this organisation (a value of the `organisation` facet)"},
    {"name": "montant", "in": "query", "required": False,
     "schema": {"type": "string", "enum": [r.value for r in facets.AMOUNT_RANGES]},
     "description": "Passages giving an amount in euros in this range, `low-high` (high "
                    "excluded, empty: no upper bound), a value of the `amount` facet"},
    {"name": "annee", "in": "query", "required": False,
     "schema": {"type": "string", "pattern": "^[0-9]{4}$"},
     "description": "Passages naming a date in this year (a value of the `year` facet)"},
    {"name": "mois", "in": "query", "required": False,
     "schema": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"},
     "description": "Passages naming a date in this month, AAAA-MM (a value of the `month` "
                    "facet, listed once `annee` is set)"},
    {"name": "limit", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
    {"name": "facets", "in": "query", "required": False,
     "schema": {"type": "string", "enum": ["0", "1"]},
     "description": "1: count, over the ranked passages (at most 300, after the filters), each "
                    "value of every facet; `facet_params` names the parameter each facet fills"},
]  # fmt: skip


def _ok(description: str, schema: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


OPENAPI_PATHS: dict[str, Any] = {
    "/api/council/search": {
        "get": {
            "summary": "Full-text search in the council minutes (French stems and lemmas, accents ignored)",
            "operationId": "searchCouncil",
            "tags": ["council"],
            "parameters": [_Q, *_FILTERS],
            "responses": {
                "200": _ok("Passages, best first", "CouncilSearch"),
                "400": {"description": "Missing or invalid parameter", "content": _ERROR},
            },
        }
    },
    "/api/council/ask": {
        "get": {
            "summary": "Answer a question with sentences quoted verbatim from the minutes",
            "operationId": "askCouncil",
            "tags": ["council"],
            "parameters": [_Q],
            "responses": {
                "200": _ok(
                    "Quoted answer, or found=false with the city's contact", "CouncilAnswer"
                ),
                "400": {"description": "Missing or too long question", "content": _ERROR},
            },
        }
    },
    "/api/council/meetings/{day}": {
        "get": {
            "summary": "One meeting: facts, deliberations with votes, a page of passages, entities",
            "operationId": "getCouncilMeeting",
            "tags": ["council"],
            "parameters": [
                {"name": "day", "in": "path", "required": True, "schema": _DATE},
                {
                    "name": "page",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 1},
                    "description": "Page of the passages (200 a page; `pages` says how many)",
                },
            ],
            "responses": {
                "200": _ok("The meeting, one page of its passages", "CouncilMeeting"),
                "400": {"description": "Invalid page number", "content": _ERROR},
                "404": {"description": "No meeting that day, or no such page", "content": _ERROR},
            },
        }
    },
    "/api/council/deliberations/{number}": {
        "get": {
            "summary": "One deliberation by its number (such as 2024-05-10)",
            "operationId": "getCouncilDeliberation",
            "tags": ["council"],
            "parameters": [
                {
                    "name": "number",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "maxLength": 40},
                }
            ],
            "responses": {
                "200": _ok("The deliberation and its passages", "CouncilDeliberation"),
                "404": {"description": "No deliberation with this number", "content": _ERROR},
            },
        }
    },
}

_NULLABLE_STR = {"type": ["string", "null"]}
_NULLABLE_INT = {"type": ["integer", "null"]}
_PASSAGE = {
    "type": "object",
    "required": ["anchor", "kind", "text", "url"],
    "properties": {"anchor": {"type": "integer"}, "page": _NULLABLE_INT, "kind": {"type": "string"},
                   "text": {"type": "string"}, "url": {"type": "string"}},
}  # fmt: skip
_DELIBERATION_PROPS = {
    "number": _NULLABLE_STR,
    "title": {"type": "string"},
    "rapporteur": _NULLABLE_STR,
    "topic": _NULLABLE_STR,
    "adopted": {"type": ["boolean", "null"]},
    "unanimous": {"type": "boolean"},
    "vote": {
        "type": ["object", "null"],
        "description": "Counts as the minutes give them; null where they do not",
        "properties": {
            "for": _NULLABLE_INT,
            "against": _NULLABLE_INT,
            "abstentions": _NULLABLE_INT,
            "voters": {"type": "integer", "description": "Voters, when the minutes say"},
            "members": {"type": "integer", "description": "Members in office, when written"},
        },
    },
    "url": {"type": "string"},
}
_FACET = {
    "type": "array",
    "items": {"type": "object", "required": ["value", "label", "count"],
              "properties": {"value": {"type": "string"}, "label": {"type": "string"},
                             "count": {"type": "integer"}}},
}  # fmt: skip
# Amount ranges in euros, as numbers: min included, max excluded (null: no upper bound).
_AMOUNT_FACET = {
    "type": "array",
    "items": {"type": "object", "required": ["value", "label", "count", "min", "max"],
              "properties": {"value": {"type": "string"}, "label": {"type": "string"},
                             "count": {"type": "integer"}, "min": {"type": "integer"},
                             "max": {"type": ["integer", "null"]}}},
}  # fmt: skip
# The words searched, each "as written / lemma" when spaCy gives another lemma.
_TERMS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
OPENAPI_SCHEMAS: dict[str, Any] = {
    "CouncilSearch": {
        "type": "object",
        "required": ["query", "hits"],
        "properties": {
            "query": {"type": "string"},
            "terms": _TERMS,
            "method": {"type": "string"},
            "total": {
                "type": "integer",
                "description": "Passages matching, after the filters (counted up to 300)",
            },
            "hits": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["meeting_date", "deliberation", "page", "url", "snippet", "text"],
                    "properties": {
                        "meeting_date": {"type": "string", "format": "date"},
                        "deliberation": _NULLABLE_STR,
                        "item_title": _NULLABLE_STR,
                        "page": _NULLABLE_INT,
                        "url": {"type": "string"},
                        "snippet": {"type": "string"},
                        "text": {"type": "string"},
                        "matched": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "word": {"type": "string"},
                                    "query_word": {"type": "string"},
                                    "route": {
                                        "type": "string",
                                        "enum": ["écrit", "lemme", "synonyme", "orthographe"],
                                    },
                                },
                            },
                        },
                    },
                },
            },
            "suggestion": _NULLABLE_STR,
            "unknown": {"type": "array", "items": {"type": "string"}},
            "deliberations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["number", "title", "meeting_date", "url"],
                    "properties": {
                        "number": _NULLABLE_STR,
                        "title": {"type": "string"},
                        "meeting_date": {"type": "string", "format": "date"},
                        "url": {"type": "string"},
                    },
                },
            },
            "facets": {
                "type": "object",
                "description": "With facets=1: each facet's values with their counts of passages",
                "properties": {
                    "topic": _FACET,
                    "meeting": _FACET,
                    "outcome": _FACET,
                    "person": _FACET,
                    "place": _FACET,
                    "organisation": _FACET,
                    "amount": _AMOUNT_FACET,
                    "year": _FACET,
                    "month": _FACET,
                },
            },
            "facet_params": {
                "type": "object",
                "description": "The query parameter each facet's values are given to",
                "additionalProperties": {"type": "string"},
            },
            "filters": {
                "type": "object",
                "description": "The filters applied, by query parameter (places and "
                "organisations with their name as written, amount ranges and months labelled)",
                "additionalProperties": {
                    "type": "object",
                    "required": ["value"],
                    "properties": {"value": {"type": "string"}, "label": {"type": "string"}},
                },
            },
        },
    },
    "CouncilAnswer": {
        "type": "object",
        "required": ["question", "found", "answer", "method"],
        "properties": {
            "question": {"type": "string"},
            "found": {"type": "boolean"},
            "terms": _TERMS,
            "answer": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["quote", "meeting_date", "deliberation", "page", "url"],
                    "properties": {
                        "quote": {"type": "string"},
                        "meeting_date": {"type": "string", "format": "date"},
                        "deliberation": _NULLABLE_STR,
                        "item_title": _NULLABLE_STR,
                        "page": _NULLABLE_INT,
                        "url": {"type": "string"},
                        "kind": {"type": "string", "enum": ["answer", "decision", "vote"]},
                    },
                },
            },
            "method": {"type": "string"},
            "kinds": {"type": "array", "items": {"type": "string"}},
            "corrections": {"type": "object", "additionalProperties": {"type": "string"}},
            "unknown": {"type": "array", "items": {"type": "string"}},
            "not_found_rule": {
                "type": ["string", "null"],
                "enum": [*sorted(answer_rules.RULES), None],
                "description": "the rule that said 'not found' (only when found is false)",
            },
            "not_found_reason": _NULLABLE_STR,
            "maybe_useful": {"type": "array", "items": {"type": "object"}},
            "contact": {
                "type": "object",
                "properties": {
                    k: {"type": "string"} for k in ("name", "phone", "address", "hours", "email")
                },
            },
        },
    },
    "CouncilMeeting": {
        "type": "object",
        "required": ["meeting_date", "title", "deliberations", "passages", "page", "pages"],
        "properties": {
            "meeting_date": {"type": "string", "format": "date"},
            "title": {"type": "string"},
            "place": _NULLABLE_STR,
            "chair": _NULLABLE_STR,
            "secretary": _NULLABLE_STR,
            "present": {"type": "array", "items": {"type": "string"}},
            "absent": {"type": "array", "items": {"type": "string"}},
            "proxies": {"type": "array", "items": {"type": "object"}},
            "source": {"type": "object"},
            "deliberations": {
                "type": "array",
                "items": {"type": "object", "properties": _DELIBERATION_PROPS},
            },
            "page": {"type": "integer"},
            "pages": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total_passages": {"type": "integer"},
            "next": _NULLABLE_STR,
            "previous": _NULLABLE_STR,
            "passages": {"type": "array", "items": _PASSAGE},
            "entities": {"type": "object"},
        },
    },
    "CouncilDeliberation": {
        "type": "object",
        "required": ["number", "title", "meeting_date", "passages"],
        "properties": {
            **_DELIBERATION_PROPS,
            "meeting_date": {"type": "string", "format": "date"},
            "total_passages": {"type": "integer"},
            "passages": {"type": "array", "items": _PASSAGE},
        },
    },
}
