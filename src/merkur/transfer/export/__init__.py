"""Exporting addresses: any company or person list, saved selection, frozen run (and, once
mailings register it, marketing-event members) as CSV, XLSX, JSON, vCard or a user's
own text template.

- ``catalog``: every column a row can have (company, person, addresses by kind,
  attributes as of a day, figures), with German and English labels.
- ``reading``: reads the rows of a source in chunks, loading what the chosen
  columns need for a whole chunk at once (no query per row).
- ``sources``: where rows come from — a registry that other apps extend.
- ``options``: the options of an export, checked in one place for the UI, the
  API, the CLI and saved profiles.
- ``writers``: one module per file format.
- ``runner``: puts them together — a streamed download, a file, or a job.

See ``docs/export.md`` for what users see.
"""
