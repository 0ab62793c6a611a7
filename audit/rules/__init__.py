"""The pure core of the audit: calendars, timelines, finding rules, facts, scores and ranking.

No database, no files, no clock: time and data come in as arguments."""
