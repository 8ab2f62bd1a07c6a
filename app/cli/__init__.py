"""The command line (`python -m app.cli`): app.cli.commands parses, one module per command."""

from app.cli.commands import main
from app.cli.migrate import migrate
from app.cli.serve import prepare

__all__ = ["main", "migrate", "prepare"]
