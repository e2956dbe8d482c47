"""What a selection is evaluated against: the day (relative periods) and the references."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone


@dataclass
class Context:
    """``today`` fixes "last year" for one run; ``stack`` holds the saved selections being
    expanded, to refuse a cycle of references."""

    today: datetime.date = field(default_factory=timezone.localdate)
    stack: tuple[int, ...] = ()

    def entering(self, selection_id: int) -> "Context":
        return Context(today=self.today, stack=(*self.stack, selection_id))
