"""The business pages: articles, documents, stock, exchange rates, the ABC analysis."""
