"""What the law asks a French public site to publish: the accessibility statement (RGAA), the
legal notices, the privacy notice (RGPD art. 13), the cookie note and a site map.

The texts are the city's: Markdown files in `content/legal/` with `${placeholder}` names filled
from the settings (content/legal/README.md lists them), so a second city edits files, not code.
The accessibility page adds the axe-core results the browser tests recorded (axe-evidence.json).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from portal.settings import Settings
from portal.text import render_markdown
from portal.web.content import PAGES, Evidence, fill, read_evidence, read_text
from portal.web.errors import error_response
from portal.web.i18n import gettext as _
from portal.web.permissions import PUBLIC
from portal.web.routing import route
from portal.web.templating import render


@dataclass
class LegalPage:
    slug: str
    title: str
    description: str
    html: Markup
    evidence: Evidence | None = None


def legal_page(settings: Settings, slug: str) -> LegalPage | None:
    text = read_text(settings.content_dir, slug)
    if text is None:
        return None
    evidence = read_evidence(settings.content_dir) if slug == "accessibilite" else None
    return LegalPage(
        slug=slug,
        title=text.title or slug,
        description=text.description,
        html=render_markdown(fill(settings, text)),
        evidence=evidence,
    )


def _show(slug: str) -> Any:
    def handler(request: Request) -> Response:
        page = legal_page(request.app.state.settings, slug)
        if page is None:
            detail = _("Cette page n'a pas encore été rédigée par la ville.")
            return error_response(request, 404, detail=detail)
        return render(request, "legal/page.html", page)

    handler.__name__ = f"legal_{slug.replace('-', '_')}"
    return handler


@dataclass(frozen=True)
class SiteMapLink:
    label: str
    url: str


@dataclass
class SiteMapPage:
    groups: list[tuple[str, list[SiteMapLink]]]


def site_map_page() -> SiteMapPage:
    link = SiteMapLink
    return SiteMapPage(
        groups=[
            (
                _("La charte d'usage de l'IA"),
                [
                    link(_("La charte"), "/charter"),
                    link(_("Les propositions"), "/charter/proposals"),
                    link(_("Les versions de la charte"), "/charter/versions"),
                    link(_("La synthèse des commentaires"), "/consultation/synthesis"),
                    link(_("Les données ouvertes de la consultation"), "/consultation/export"),
                    link(_("Les chiffres de la modération"), "/moderation/figures"),
                    link(_("Les cycles de la consultation"), "/charter/cycles"),
                ],
            ),
            (
                _("Le registre des systèmes d'IA"),
                [
                    link(_("Le registre"), "/registry"),
                    link(_("Le programme IA de la ville"), "/registry/programme"),
                    link(
                        _("Les engagements de la charte, système par système"),
                        "/registry/commitments",
                    ),
                ],
            ),
            (
                _("Le conseil municipal"),
                [
                    link(_("Chercher dans les procès-verbaux"), "/council"),
                    link(_("Poser une question"), "/council/ask"),
                    link(_("Comment les réponses sont faites"), "/council/methode"),
                    link(_("Questions des habitants au conseil"), "/council/questions"),
                ],
            ),
            (
                _("Chercher"),
                [link(_("Recherche dans tout le portail"), "/search")],
            ),
            (
                _("Votre compte"),
                [
                    link(_("Se connecter"), "/login"),
                    link(_("Créer un compte"), "/signup"),
                    link(_("Mon espace"), "/espace"),
                ],
            ),
            (
                _("Informations légales"),
                [
                    link(_("Accessibilité"), "/accessibilite"),
                    link(_("Mentions légales"), "/mentions-legales"),
                    link(_("Données personnelles"), "/donnees-personnelles"),
                    link(_("Cookies"), "/cookies"),
                    link(_("API ouverte (OpenAPI)"), "/api/openapi.json"),
                    link(_("Données ouvertes : exports, flux et API"), "/donnees-ouvertes"),
                ],
            ),
        ]
    )


def site_map(request: Request) -> Response:
    return render(request, "legal/site_map.html", site_map_page())


routes = [
    *(
        route(f"/{slug}", _show(slug), permission=PUBLIC, cache_seconds=60, name=f"legal_{slug}")
        for slug in PAGES
    ),
    route("/plan-du-site", site_map, permission=PUBLIC, cache_seconds=60, name="site_map"),
]
