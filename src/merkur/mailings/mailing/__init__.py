"""The mailing pages (views and forms)."""
