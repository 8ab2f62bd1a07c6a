"""`apply` of a 400-connection file, as an operator runs it (the CLI, on a fresh database), on
SQLite and PostgreSQL: the first apply (400 creates, each audited), then the same file again
(nothing to change), against what the API's default mutation limit implies for 400 creates.

    make bench          (or: .venv/bin/python -m bench.config_apply [connections])
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from bench.serving import scratch_postgres
from tests.conftest import TEST_KEYRING, keyring_env

CLOSED_PORT = "http://127.0.0.1:9"  # discovery is refused at once: no network beyond loopback
MUTATIONS_PER_MINUTE = 120  # SWITCHBOARD_RATE_LIMIT_MUTATIONS' default


def _cli(*args: str, url: str) -> tuple[float, str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SWITCHBOARD_ENCRYPTION_KEYS": keyring_env(TEST_KEYRING),
        "SWITCHBOARD_LOG_LEVEL": "WARNING",
    }
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", *args], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return time.perf_counter() - started, done.stdout.strip().splitlines()[-1]


def on(label: str, url: str, file: Path, count: int) -> None:
    _cli("migrate", url=url)
    first, said = _cli("apply", str(file), url=url)
    again, said_again = _cli("apply", str(file), url=url)
    limited = count / MUTATIONS_PER_MINUTE * 60
    print(
        f"-- {label}: {count} connections applied in {first:.1f} s ({said}); "
        f"{limited / first:.0f}x faster than {limited:.0f} s at {MUTATIONS_PER_MINUTE} "
        f"mutations a minute; again: {again:.1f} s ({said_again})"
    )


def main(count: int) -> None:
    document = {
        "version": 1,
        "connections": [
            {
                "name": f"conn-{n:04d}",
                "provider": "OLLAMA",
                "baseUrl": CLOSED_PORT,
                "tags": ["bulk"],
            }
            for n in range(count)
        ],
        "endpoints": [],
        "workspaces": [],
    }
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "switchboard.yaml"
        file.write_text(yaml.safe_dump(document))
        on("SQLite", f"sqlite:///{folder}/apply.sqlite3", file, count)
        with scratch_postgres() as url:
            if url is None:
                print("-- PostgreSQL: no server answered; skipped")
            else:
                on("PostgreSQL", url, file, count)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400)
