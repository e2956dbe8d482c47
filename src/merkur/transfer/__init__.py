"""Reading address files for import: detect how a file is written, stream its rows,
map its columns to companies, people and addresses, and normalise names for
finding duplicates. Pure functions and small classes; no models."""
