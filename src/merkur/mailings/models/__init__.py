"""The mailings app's records: marketing events and their members (``events``)."""

from merkur.mailings.models.events import *  # noqa: F403
from merkur.mailings.models.mailing import *  # noqa: F403
