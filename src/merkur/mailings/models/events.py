"""Marketing events (Marketing-Anlässe), their kinds and their members."""
