"""The criteria of the catalog, one module per area; importing registers them."""

from merkur.selections.criteria import (  # noqa: F401
    address,
    attributes,
    business,
    company,
    journal,
    marketing,
    person,
    saved,
    stock,
)
