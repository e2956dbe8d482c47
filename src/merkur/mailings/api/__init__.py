"""The marketing-event API: ``install(api)`` mounts ``/events`` and ``/mailings``."""


def install(api) -> None:
    from merkur.mailings.api import events

    api.add_router("/events", events.router)
    # --- mailings (helper H2)
    from merkur.mailings.api import mailings

    api.add_router("/mailings", mailings.router)
