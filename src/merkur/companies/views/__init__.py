"""Pages for companies, their people and their addresses."""

from merkur.companies.views import addresses, companies, people

__all__ = ["addresses", "companies", "people"]
