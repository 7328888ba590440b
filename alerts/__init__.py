"""Alerts: rule evaluation on a schedule, the alert lifecycle, notifications."""
