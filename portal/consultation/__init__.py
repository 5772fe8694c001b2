"""The consultation on the AI charter: its versions and cycles, taking part, the officials'
answers, moderation, following, open data and the synthesis of comments.

One sub-package per part, each with what it needs of models.py, services.py, pages.py,
routes.py, permissions.py and jobs.py; `vocabulary.py` holds the words they share, and
`services.py` is the one door other packages use.
"""

from pathlib import Path

from portal.manifest import Module

MANIFEST = Module(
    name="consultation",
    routes=(
        "portal.consultation.charter.routes",
        "portal.consultation.follow.routes",
        "portal.consultation.moderation.routes",
        "portal.consultation.opendata.routes",
        "portal.consultation.participation.routes",
        "portal.consultation.review.routes",
        "portal.consultation.synthesis.routes",
    ),
    models=(
        "portal.consultation.charter.models",
        "portal.consultation.participation.models",
        "portal.consultation.review.models",
        "portal.consultation.moderation.models",
        "portal.consultation.follow.models",
        "portal.consultation.synthesis.models",
    ),
    jobs=(
        "portal.consultation.participation.jobs",
        "portal.consultation.synthesis.jobs",
        "portal.consultation.follow.jobs",
    ),
    cli="portal.consultation.cli",
    demo=("portal.consultation.demo.loader", "portal.consultation.synthesis.demo"),
    desk="portal.consultation.desk",
    home="portal.consultation.home",
    sitesearch="portal.consultation.sitesearch",
    templates=Path(__file__).parent / "templates",
    template_globals="portal.consultation.vocabulary",
)
