"""Import every module's tables so the metadata (and Alembic) sees them all."""

from portal import core_models
from portal.modules import submodules

MODEL_MODULES = [core_models, *submodules("models")]
