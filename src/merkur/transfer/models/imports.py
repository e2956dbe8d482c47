"""Address imports: saved column-mapping profiles and the record of each import."""
