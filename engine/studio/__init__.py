"""The analysts' studio: drafts of procedures, their comparison, import and trials."""
