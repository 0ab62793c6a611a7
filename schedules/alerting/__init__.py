"""Alerts: rules that turn recent observations into conditions, the alert lifecycle, delivery channels."""
