"""The register of the city's AI systems: entries, drafts and their review, questions, open data."""

from pathlib import Path

from portal.manifest import Module

MANIFEST = Module(
    name="registry",
    routes=(
        "portal.registry.contact.routes",
        "portal.registry.moderation.routes",
        "portal.registry.compliance.routes",
        "portal.registry.commitments.routes",
        "portal.registry.routes",
        "portal.registry.api",
    ),
    models=("portal.registry.models",),
    jobs=("portal.registry.jobs",),
    cli="portal.registry.cli",
    demo=("portal.registry.demo",),
    desk="portal.registry.desk",
    home="portal.registry.home",
    sitesearch="portal.registry.sitesearch",
    erase="portal.registry.erase",
    templates=Path(__file__).parent / "templates",
)
