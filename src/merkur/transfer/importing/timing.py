"""Where an import spends its time: seconds per step, in ``ImportResult.steps``."""

import time
from contextlib import contextmanager


@contextmanager
def timed(steps: dict[str, float], name: str):
    """Add the seconds the block takes to ``steps[name]``."""
    started = time.monotonic()
    try:
        yield
    finally:
        steps[name] = round(steps.get(name, 0.0) + time.monotonic() - started, 2)
