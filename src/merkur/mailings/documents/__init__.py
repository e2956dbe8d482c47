"""Mailing documents: DOCX and PDF letters, the word processor's data source, labels."""
