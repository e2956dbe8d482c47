"""REST API routes for companies, people and their addresses (mounted by ``merkur.api``)."""
