"""The "Données ouvertes" page: every export, feed and API of the portal, with what it holds, its
format, its licence and its address, so a re-user never has to guess an URL.

No manifest field names a package's exports, so the list is kept here, by package; a package that
adds an export adds a line below (tests/web/test_opendata_page.py fetches every link listed, and
tests/test_crawl.py fails when a public export is linked from nowhere). The web layer knows no
domain package: these are addresses, as in the site map.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from portal.web.i18n import gettext as _
from portal.web.permissions import PUBLIC
from portal.web.routing import route
from portal.web.templating import render

LICENCE = "Licence Ouverte / Open Licence 2.0 (Etalab)"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"


@dataclass(frozen=True)
class Dataset:
    """One export: what it is, its format (and the media type its link answers with), its link.
    `pattern` is the address of the same data for one item (a system, a meeting), when there is
    one; `available` says when the link has data (an export before its time answers a French
    explanation, not a file)."""

    title: str
    description: str
    format: str
    media_type: str
    url: str
    pattern: str = ""
    available: str = ""


@dataclass(frozen=True)
class DatasetGroup:
    title: str
    datasets: tuple[Dataset, ...]


@dataclass
class OpenDataPage:
    groups: list[DatasetGroup]
    licence: str
    licence_url: str


def datasets() -> list[DatasetGroup]:
    """Every export and feed of the portal, grouped by part (texts in the visitor's language)."""
    return [
        DatasetGroup(
            _("La consultation sur la charte d'usage de l'IA"),
            (
                Dataset(
                    _("Export anonymisé de la consultation (JSON)"),
                    _(
                        "Chaque commentaire, proposition et réponse des élus, les auteurs "
                        "remplacés par un identifiant anonyme ; le schéma est décrit sur la page "
                        "de l'export."
                    ),
                    "JSON",
                    "application/json",
                    "/consultation/export.json",
                    available=_("Après la clôture de chaque consultation."),
                ),
                Dataset(
                    _("Export anonymisé de la consultation (CSV)"),
                    _("Les mêmes données qu'en JSON, une ligne par contribution, en UTF-8."),
                    "CSV",
                    "text/csv",
                    "/consultation/export.csv",
                    available=_("Après la clôture de chaque consultation."),
                ),
                Dataset(
                    _("Description de l'export de la consultation"),
                    _("Les champs des deux fichiers, leur sens et la méthode d'anonymisation."),
                    _("Page HTML"),
                    "text/html",
                    "/consultation/export",
                ),
                Dataset(
                    _("Flux Atom de la charte"),
                    _("Chaque version publiée de la charte et chaque réponse des élus."),
                    "Atom",
                    "application/atom+xml",
                    "/charter/feed.atom",
                ),
                Dataset(
                    _("Versions de la charte (Markdown et JSON)"),
                    _("Le texte de chaque version publiée, article par article."),
                    "Markdown, JSON",
                    "text/html",
                    "/charter/versions",
                    pattern="/charter/v/{numéro}.md · /charter/v/{numéro}.json",
                ),
                Dataset(
                    _("Synthèse des commentaires (JSON et CSV)"),
                    _(
                        "Les thèmes des commentaires et les modifications que les élus en ont tirées."
                    ),
                    "JSON, CSV",
                    "text/html",
                    "/consultation/synthesis",
                    pattern="/consultation/synthesis.json · /consultation/synthesis.csv",
                    available=_("Une fois la synthèse publiée."),
                ),
                Dataset(
                    _("Chiffres de la modération"),
                    _(
                        "Combien de contributions ont été signalées, masquées ou gardées, et pour "
                        "quel motif."
                    ),
                    _("Page HTML"),
                    "text/html",
                    "/moderation/figures",
                ),
            ),
        ),
        DatasetGroup(
            _("Le registre des systèmes d'IA"),
            (
                Dataset(
                    _("Le registre complet (JSON)"),
                    _("Chaque système publié, avec tous les champs du schéma du registre."),
                    "JSON",
                    "application/json",
                    "/registry/export.json",
                    pattern="/registry/{système}.json",
                ),
                Dataset(
                    _("Le registre complet (CSV)"),
                    _("Une ligne par système, séparateur virgule, encodage UTF-8."),
                    "CSV",
                    "text/csv",
                    "/registry/export.csv",
                ),
                Dataset(
                    _("Le registre pour un tableur en français (CSV)"),
                    _("Les mêmes lignes, séparateur point-virgule, lisibles tels quels par Excel."),
                    "CSV",
                    "text/csv",
                    "/registry/export-excel.csv",
                ),
                Dataset(
                    _("Schéma du registre (JSON Schema)"),
                    _("La définition de chaque champ d'une fiche du registre."),
                    "JSON Schema",
                    "application/schema+json",
                    "/registry/schema.json",
                ),
                Dataset(
                    _("Documentation du schéma du registre"),
                    _("Le même schéma expliqué champ par champ, avec son historique."),
                    _("Page HTML"),
                    "text/html",
                    "/registry/schema",
                ),
                Dataset(
                    _("Inventaire des algorithmes publics (CSV)"),
                    _(
                        "L'inventaire des traitements algorithmiques que la loi demande de "
                        "publier (article L312-1-3 du code des relations entre le public et "
                        "l'administration)."
                    ),
                    "CSV",
                    "text/csv",
                    "/registry/inventaire-algorithmes.csv",
                    pattern="/registry/{système}/conformite.json · "
                    "/registry/{système}/annexe-viii-c.json",
                ),
                Dataset(
                    _("Flux Atom du registre"),
                    _("Chaque système publié ou modifié dans le registre."),
                    "Atom",
                    "application/atom+xml",
                    "/registry/feed.atom",
                ),
                Dataset(
                    _("API du registre"),
                    _("La liste des systèmes publiés et la fiche de chacun, en JSON."),
                    "JSON",
                    "application/json",
                    "/api/registry/systems",
                    pattern="/api/registry/systems/{système}",
                ),
            ),
        ),
        DatasetGroup(
            _("Le conseil municipal"),
            (
                Dataset(
                    _("API de recherche dans les procès-verbaux"),
                    _(
                        "Les passages des procès-verbaux qui répondent à une recherche (paramètre "
                        "q), avec leur séance et leur lien."
                    ),
                    "JSON",
                    "application/json",
                    "/api/council/search?q=budget",
                    pattern="/api/council/meetings/{date} · /api/council/deliberations/{numéro}",
                ),
                Dataset(
                    _("Délibérations au format national SCDL (CSV)"),
                    _(
                        "Une ligne par délibération numérotée : date, objet, matière (nomenclature "
                        "ACTES), votes pour, contre et abstentions lus dans les procès-verbaux, et "
                        "le lien permanent du passage ; schéma SCDL « délibérations » 2.1.4."
                    ),
                    "CSV",
                    "text/csv",
                    "/council/deliberations.csv",
                ),
                Dataset(
                    _("Procès-verbaux d'origine"),
                    _(
                        "Chaque procès-verbal tel que la ville l'a déposé (PDF ou texte), à "
                        "télécharger depuis la page de sa séance."
                    ),
                    "PDF, Markdown",
                    "text/html",
                    "/council",
                    pattern="/council/m/{date}/source",
                ),
            ),
        ),
        DatasetGroup(
            _("Tout le portail"),
            (
                Dataset(
                    _("Description OpenAPI des API"),
                    _("Chaque adresse des API du portail, ses paramètres et ses réponses."),
                    "OpenAPI 3 (JSON)",
                    "application/json",
                    "/api/openapi.json",
                ),
                Dataset(
                    _("API de recherche dans tout le portail"),
                    _("Les pages de la charte, du registre et du conseil qui répondent à q."),
                    "JSON",
                    "application/json",
                    "/api/search?q=donn%C3%A9es",
                ),
            ),
        ),
    ]


def opendata_page() -> OpenDataPage:
    return OpenDataPage(groups=datasets(), licence=LICENCE, licence_url=LICENCE_URL)


def opendata(request: Request) -> Response:
    return render(request, "opendata.html", opendata_page())


routes = [
    route("/donnees-ouvertes", opendata, permission=PUBLIC, cache_seconds=60, name="opendata"),
]
