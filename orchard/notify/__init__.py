"""Telling people about alerts: message words per language, and the channels (webhook, WeCom, DingTalk)."""
