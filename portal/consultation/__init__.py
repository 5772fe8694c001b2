"""The consultation on the AI charter: its versions and cycles, taking part, the officials'
answers, moderation, following, open data and the synthesis of comments.

One sub-package per part, each with what it needs of models.py, services.py, pages.py,
routes.py, permissions.py and jobs.py; `vocabulary.py` holds the words they share, and
`services.py` is the one door other packages use.
"""

from __future__ import annotations

from pathlib import Path

from portal.manifest import Module


def manifest() -> Module:
    # The parts are imported when the composition root asks for the manifest, not whenever a
    # module of the package is imported (the register uses consultation.services alone).
    from portal.consultation import vocabulary
    from portal.consultation.charter import models as charter_models
    from portal.consultation.charter import routes as charter
    from portal.consultation.demo import loader as demo
    from portal.consultation.follow import models as follow_models
    from portal.consultation.follow import routes as follow
    from portal.consultation.moderation import models as moderation_models
    from portal.consultation.moderation import routes as moderation
    from portal.consultation.opendata import routes as opendata
    from portal.consultation.participation import jobs as participation_jobs
    from portal.consultation.participation import models as participation_models
    from portal.consultation.participation import routes as participation
    from portal.consultation.review import models as review_models
    from portal.consultation.review import routes as review
    from portal.consultation.synthesis import demo as synthesis_demo
    from portal.consultation.synthesis import jobs as synthesis_jobs
    from portal.consultation.synthesis import models as synthesis_models
    from portal.consultation.synthesis import routes as synthesis

    return Module(
        name="consultation",
        routes=(
            *charter.routes,
            *follow.routes,
            *moderation.routes,
            *opendata.routes,
            *participation.routes,
            *review.routes,
            *synthesis.routes,
        ),
        models=(
            charter_models,
            participation_models,
            review_models,
            moderation_models,
            follow_models,
            synthesis_models,
        ),
        jobs=(*participation_jobs.JOBS, *synthesis_jobs.JOBS),
        demo=(demo.load_demo, synthesis_demo.load_demo),
        templates=Path(__file__).parent / "templates",
        template_globals={
            "phase_label": vocabulary.phase_label,
            "reason_label": vocabulary.reason_label,
            "moderation_reason_label": vocabulary.reason_heading,
            "status_label": vocabulary.status_label,
            "decision_label": vocabulary.decision_label,
            "decision_choices": vocabulary.DECISIONS,
        },
    )
