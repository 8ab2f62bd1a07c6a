"""What every command shares: how it fails, where the checkout's files are."""

from __future__ import annotations

import sys
from typing import NoReturn


def fail(message: str) -> NoReturn:
    """One line on stderr, exit status 2: what an operator reads in a log."""
    print(f"switchboard: {message}", file=sys.stderr)
    raise SystemExit(2)
