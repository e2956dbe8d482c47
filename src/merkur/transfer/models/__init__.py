"""The transfer app's records: export profiles (``export``) and address imports (``imports``)."""

from merkur.transfer.models.export import *  # noqa: F403
from merkur.transfer.models.imports import *  # noqa: F403
