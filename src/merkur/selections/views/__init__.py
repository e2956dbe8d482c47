"""The selection pages: the list of saved selections, the builder, running and freezing."""
