"""REST API of the attributes: definitions and choices, values per record, list filters.

``definitions`` serves ``/attributes`` (the Attribut-Stamm), ``values`` the
values of a company or person (as of a day, timeline, set, correct) and
``filters`` the attribute filter of the company and people lists.
"""
