"""The pages of the web app, one blueprint per feature (web/pages/<feature>.py, templates/<feature>/)."""
