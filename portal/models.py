"""Import every module's tables so the metadata (and Alembic) sees them all."""

from portal import core_models
from portal.accounts import models as accounts_models
from portal.consultation import models as consultation_models
from portal.council import models as council_models
from portal.registry import models as registry_models

__all__ = [
    "accounts_models",
    "consultation_models",
    "core_models",
    "council_models",
    "registry_models",
]
