"""The council's minutes: ingest (PDF, HTML, text), search, cited answers, open data."""

from pathlib import Path

from portal.manifest import Module

MANIFEST = Module(
    name="council",
    routes=("portal.council.routes", "portal.council.api"),
    models=("portal.council.models",),
    jobs=("portal.council.jobs",),
    cli="portal.council.cli",
    demo=("portal.council.demo",),
    desk="portal.council.desk",
    home="portal.council.home",
    sitesearch="portal.council.sitesearch",
    templates=Path(__file__).parent / "templates",
)
