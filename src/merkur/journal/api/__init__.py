"""The journal's REST API: contacts, follow-ups, absences (master tables come from the registry)."""
