"""The audit's files: CSV and XLSX tables in and out (rosters, leave, dossier statistics), the monthly
report and the inspection record as XLSX and PDF."""
