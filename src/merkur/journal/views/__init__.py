"""The journal's pages, one module per area; each module holds its ``urlpatterns``."""
