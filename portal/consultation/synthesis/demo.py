"""Demo: a synthesis of the demo comments, computed and published (idempotent)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from portal.consultation.synthesis import services as synthesis_services
from portal.consultation.synthesis.models import RUN_DRAFT
from portal.db import session_scope
from portal.settings import Settings


def load_demo(
    engine: Engine,
    settings: Settings,
    *,
    accounts: dict[str, int],
    progress: Callable[[str], None],
) -> None:
    with session_scope(engine) as session:
        for version_id in synthesis_services.versions_with_comments(session):
            run = synthesis_services.compute_run(session, version_id=version_id)
            if run is None:
                continue
            progress(f"synthesis: {run.comment_count} comments in {run.seconds} s")
            if run.status == RUN_DRAFT and "elu" in accounts:
                # Residents see a published synthesis; officials get a draft copy to edit.
                synthesis_services.publish_run(
                    session, run_id=int(run.id or 0), author_id=accounts["elu"]
                )
                synthesis_services.clone_as_draft(session, run_id=int(run.id or 0))
