"""Orchard Live: shared package for settings, topics, payloads, stores and the CLI."""

__version__ = "0.1.0"
