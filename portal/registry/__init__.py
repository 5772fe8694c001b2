"""The register of the city's AI systems: entries, drafts and their review, questions, open data."""

from __future__ import annotations

from pathlib import Path

from portal.manifest import Module


def manifest() -> Module:
    # Imported on demand (see portal/accounts/__init__.py): services stay light to import.
    from portal.registry import api, cli, demo, jobs, models, routes

    return Module(
        name="registry",
        routes=(*routes.routes, *api.routes),
        models=(models,),
        jobs=jobs.JOBS,
        cli=cli.register,
        demo=(demo.load_demo,),
        templates=Path(__file__).parent / "templates",
        openapi_paths=api.OPENAPI_PATHS,
        openapi_schemas=api.OPENAPI_SCHEMAS,
    )
