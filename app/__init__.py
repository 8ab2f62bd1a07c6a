"""Switchboard: an organisation's LLM provider connections in one place."""
