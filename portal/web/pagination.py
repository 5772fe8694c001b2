"""Pages of a paginated list: a page after the last one is a 404 that says how many pages the
list has and links to the last one, on every list (the council's meetings, its search, the
residents' questions and the desk, the register, the accounts), instead of a page that says
"7 systèmes" above "Aucun système ne correspond"."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request

from portal.errors import NotFound
from portal.web.i18n import gettext as _
from portal.web.i18n import ngettext


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` rows fill, `per_page` a page: at least one (an empty list)."""
    return max(1, -(-total // per_page))


def past_the_end(request: Request, page: int, pages: int) -> None:
    """Raise NotFound when `page` comes after the last of `pages`, with a link to the last page
    (the same address, its other parameters kept)."""
    last = max(1, pages)
    if page <= last:
        return
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    if last > 1:
        params.append(("page", str(last)))
    url = request.url.path + ("?" + urlencode(params) if params else "")
    raise NotFound(
        ngettext(
            "La page %(page)s n'existe pas : cette liste n'a qu'une page.",
            "La page %(page)s n'existe pas : cette liste n'a que %(num)s pages.",
            last,
            page=page,
        ),
        links=((url, _("Voir la page %(n)s", n=last) if last > 1 else _("Voir la liste")),),
    )
