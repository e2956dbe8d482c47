"""Background jobs: imports, exports and mailings run by ``merkur worker`` outside the
request, with progress, cancelling and a result file. Jobs live in the database, so
the mechanism works on SQLite and PostgreSQL with no extra server (decision 0012)."""
