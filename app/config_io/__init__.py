"""Configuration as files: a `.env` imported into connections, and every connection, endpoint
and workspace exported to YAML (secrets as ${ENV_VAR} references) and applied back."""
