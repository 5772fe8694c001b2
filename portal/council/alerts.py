"""Searches residents follow in the minutes: when minutes stored since the last look have
passages matching a followed search, its follower gets one mail (through the outbox, text and
HTML parts) listing them, with a link to the whole search and a one-click unsubscribe link that
works signed out (RFC 8058, as the consultation's follow mails).

"New" is by meeting: a followed search remembers the highest meeting id it has looked at. A
corrected version of minutes already stored keeps its meeting (and id), so it mails nothing new.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from portal import audit
from portal.accounts.services import deleted_user_ids, email_of
from portal.clock import utcnow
from portal.council import facets, urls
from portal.council.models import Meeting, Passage, SavedSearch
from portal.council.search import Filters
from portal.db import read_rows
from portal.errors import NotFound, ValidationFailed
from portal.mail import link, queue_mail
from portal.web.i18n import gettext as _

ONE_CLICK = {"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
MAX_QUERY = 300
MAX_PER_USER = 50
MAX_PARAMS = 2000  # SavedSearch.params
PASSAGES_PER_MAIL = 5
# The search filters a followed search keeps (the search page's parameters).
KEPT = ("du", "au", "seance", "theme", "personne", "issue", "lieu", "organisation", "montant",
        "annee", "mois")  # fmt: skip
GONE = "Ce lien de désabonnement n'est plus valable : la recherche n'est déjà plus suivie."


def canonical(query: str, params: dict[str, str]) -> str:
    """The search's address query string, q first then its filters sorted: one form per search."""
    kept = sorted((k, v) for k, v in params.items() if k in KEPT and v)
    return urlencode([("q", query.strip()), *kept])


def search_path(saved: SavedSearch) -> str:
    params = dict(parse_qsl(saved.params))
    return urls.search(params.pop("q", saved.query), params)


def find(
    session: Session, *, user_id: int, query: str, params: dict[str, str]
) -> SavedSearch | None:
    return session.scalar(
        select(SavedSearch).where(
            SavedSearch.user_id == user_id, SavedSearch.params == canonical(query, params)
        )
    )


# Whether a search is followed, in the driver's SQL (db.read_rows): the search page asks it on
# every signed-in view, where the ORM's select was a sixth of the page's CPU (issue 18).
FOLLOWED = "SELECT 1 FROM council_saved_search WHERE user_id = ? AND params = ?"


def is_followed(session: Session, *, user_id: int, query: str, params: dict[str, str]) -> bool:
    return bool(read_rows(session, FOLLOWED, [user_id, canonical(query, params)]))


def follow(session: Session, *, user_id: int, query: str, params: dict[str, str]) -> SavedSearch:
    """Follow a search (twice: still one). Minutes already stored are not mailed: only those
    stored from now on."""
    query = " ".join(query.split())
    if not query:
        raise ValidationFailed(_("Tapez d'abord une recherche à suivre."), field="q")
    if len(query) > MAX_QUERY:
        raise ValidationFailed(
            _("La recherche est trop longue (%(n)s caractères au plus).", n=MAX_QUERY), field="q"
        )
    # The filters are checked as the search page checks them.
    facets.filters_from(params)
    if len(canonical(query, params)) > MAX_PARAMS:
        raise ValidationFailed(_("Les filtres de cette recherche sont trop longs pour la suivre."))
    existing = find(session, user_id=user_id, query=query, params=params)
    if existing is not None:
        return existing
    held = session.scalar(
        select(func.count()).select_from(SavedSearch).where(SavedSearch.user_id == user_id)
    )
    if int(held or 0) >= MAX_PER_USER:
        raise ValidationFailed(
            _("Vous suivez déjà %(n)s recherches : retirez-en une dans « Mon espace ».",
              n=MAX_PER_USER)
        )  # fmt: skip
    row = SavedSearch(
        user_id=user_id,
        query=query,
        params=canonical(query, params),
        seen_meeting_id=int(session.scalar(select(func.max(Meeting.id))) or 0),
        unsubscribe_token=secrets.token_urlsafe(32),
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor_id=user_id, action="council.search.follow", object_type="council_saved_search",
        object_id=str(row.id), detail={"search": row.params},
    )  # fmt: skip
    return row


def mine(session: Session, *, user_id: int) -> list[SavedSearch]:
    return list(
        session.scalars(
            select(SavedSearch)
            .where(SavedSearch.user_id == user_id)
            .order_by(col(SavedSearch.created_at), col(SavedSearch.id))
        )
    )


def count_mine(session: Session, *, user_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(SavedSearch).where(SavedSearch.user_id == user_id)
        )
        or 0
    )


def remove(session: Session, *, user_id: int, saved_id: int) -> SavedSearch:
    """Stop following one's own search (someone else's is not found)."""
    row = session.get(SavedSearch, saved_id)
    if row is None or row.user_id != user_id:
        raise NotFound(_("Vous ne suivez pas (ou plus) cette recherche."))
    session.delete(row)
    audit.record(
        session, actor_id=user_id, action="council.search.unfollow",
        object_type="council_saved_search", object_id=str(saved_id),
    )  # fmt: skip
    return row


def by_token(session: Session, token: str) -> SavedSearch:
    if not token or len(token) > 64:
        raise NotFound(_(GONE))
    row = session.scalar(select(SavedSearch).where(SavedSearch.unsubscribe_token == token))
    if row is None:
        raise NotFound(_(GONE))
    return row


def unsubscribe(session: Session, *, token: str) -> SavedSearch:
    """The mail's unsubscribe link: the token is the only credential; a second use finds
    nothing."""
    row = by_token(session, token)
    deleted = session.execute(delete(SavedSearch).where(col(SavedSearch.id) == row.id))
    if not deleted.rowcount:  # type: ignore[attr-defined]
        raise NotFound(_(GONE))
    audit.record(
        session, actor_id=row.user_id, action="council.search.unsubscribe",
        object_type="council_saved_search", object_id=str(row.id),
    )  # fmt: skip
    return row


# --- the mails ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewPassage:
    meeting_date: str  # dd/mm/yyyy
    heading: str
    text: str
    path: str


def _search_filters(params: dict[str, str]) -> tuple[Filters, facets.EntityFilters]:
    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(params[name]) if params.get(name) else None
        except ValueError:
            return None

    return (
        Filters(date_from=day("du"), date_to=day("au"), meeting=day("seance"),
                topic=params.get("theme") or None, person=params.get("personne") or None,
                outcome=params.get("issue") or None),
        facets.filters_from(params),
    )  # fmt: skip


def new_matches(session: Session, saved: SavedSearch, *, after: int, upto: int) -> list[NewPassage]:
    """Passages of meetings with ids in (after, upto] matching the followed search, best first."""
    params = dict(parse_qsl(saved.params))
    try:
        filters, entities = _search_filters(params)
    except ValidationFailed:
        return []
    found = facets.search(
        session, saved.query, filters=filters, entities=entities, limit=1, offset=0
    )
    if not found.ids:
        return []
    rows = session.execute(
        select(Passage.id, Passage.anchor, Passage.text, Meeting.meeting_date, Meeting.id)
        .join(Meeting, col(Meeting.id) == Passage.meeting_id)
        .where(col(Passage.id).in_(found.ids), col(Meeting.id) > after, col(Meeting.id) <= upto)
    ).all()
    by_id = {r[0]: r for r in rows}
    fresh = []
    for passage_id in found.ids:
        if passage_id not in by_id:
            continue
        _pid, anchor, text, meeting_date, _mid = by_id[passage_id]
        fresh.append(
            NewPassage(
                meeting_date.strftime("%d/%m/%Y"),
                _("Séance du %(d)s", d=meeting_date.strftime("%d/%m/%Y")),
                text if len(text) <= 400 else text[:400].rsplit(" ", 1)[0] + " …",
                urls.passage(meeting_date, anchor),
            )
        )
    return fresh


def mail_body(saved: SavedSearch, passages: list[NewPassage]) -> str:
    shown = passages[:PASSAGES_PER_MAIL]
    parts = [
        _("De nouveaux procès-verbaux du conseil municipal répondent à votre recherche "
          "« %(q)s » :", q=saved.query)
    ]  # fmt: skip
    for p in shown:
        parts.append(
            f"{p.heading}\n« {p.text} »\n{_('Lire le passage : %(url)s', url=link(p.path))}"
        )
    if len(passages) > len(shown):
        parts.append(_("Et %(n)s autres passages.", n=len(passages) - len(shown)))
    parts.append(_("Toute la recherche : %(url)s", url=link(search_path(saved))))
    parts += [
        "-- ",
        _("Vous recevez ce message parce que vous suivez la recherche « %(q)s » sur le portail. "
          "Pour ne plus le recevoir, en un clic : %(url)s", q=saved.query,
          url=link(urls.alert_unsubscribe(saved.unsubscribe_token))),
        _("Vos recherches suivies : %(url)s", url=link(urls.alerts())),
    ]  # fmt: skip
    return "\n\n".join(parts)


def forget_deleted_accounts(session: Session) -> int:
    """A deleted account's followed searches are its alone: forget them (its unsubscribe links
    then say the search is no longer followed). Returns how many were forgotten."""
    holders = set(session.scalars(select(SavedSearch.user_id).distinct()))
    gone = deleted_user_ids(session, holders)
    if not gone:
        return 0
    result = session.execute(delete(SavedSearch).where(col(SavedSearch.user_id).in_(gone)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def send_alerts(session: Session) -> tuple[int, int]:
    """Mail each follower whose search matches minutes stored since its last look; every followed
    search then remembers the newest meeting looked at (so a second run mails nothing). Returns
    (searches looked at, mails queued)."""
    forget_deleted_accounts(session)
    upto = int(session.scalar(select(func.max(Meeting.id))) or 0)
    due = list(
        session.scalars(
            select(SavedSearch)
            .where(SavedSearch.seen_meeting_id < upto)
            .order_by(col(SavedSearch.id))
        )
    )
    mailed = 0
    for saved in due:
        passages = new_matches(session, saved, after=saved.seen_meeting_id, upto=upto)
        saved.seen_meeting_id = upto
        session.add(saved)
        if not passages:
            continue
        address = email_of(session, saved.user_id)
        if address is None:
            continue
        queue_mail(
            session,
            to=address,
            subject=_("Conseil municipal : du nouveau pour « %(q)s »", q=saved.query)[:300],
            body=mail_body(saved, passages),
            headers={
                "List-Unsubscribe": f"<{link(urls.alert_unsubscribe(saved.unsubscribe_token))}>",
                **ONE_CLICK,
            },
        )
        saved.last_mailed_at = utcnow()
        mailed += 1
    return len(due), mailed
