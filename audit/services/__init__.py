"""The audit's database services: calendars, rosters, findings and their workflow, inspections,
scores and the audit run, read from and written to the database through a caller's session."""
