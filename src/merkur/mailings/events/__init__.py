"""Marketing events: services, forms, pages and the hooks into import, export and selections."""
