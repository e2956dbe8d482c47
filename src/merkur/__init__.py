"""Merkur — CRM for sales and marketing in German-speaking countries."""

__version__ = "0.1.0"
