"""The criteria of the catalog, one module per area; importing registers them."""

from merkur.selections.criteria import address, business, company, person  # noqa: F401
