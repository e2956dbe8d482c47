"""The criteria of the catalog, one module per area; importing registers them."""

from merkur.selections.criteria import address, company, person  # noqa: F401
