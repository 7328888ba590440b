"""Alerts: rules evaluated on a schedule, incidents, and notifications to farmers."""
