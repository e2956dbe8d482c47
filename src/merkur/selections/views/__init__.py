"""The selection pages: saved selections, the builder (tree, recipients, CSV, freezing),
frozen runs and comparing them, explaining a selection."""
