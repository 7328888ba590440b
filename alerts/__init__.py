"""Alerts: rules evaluated on a schedule against the store, incidents, and their events and notifications."""
