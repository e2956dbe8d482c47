"""Mailings: marketing events and their members, letters, labels, e-mail and fax."""
