"""Gateway usage: every call recorded off the request path, counted per hour, queried in SQL."""
