"""The package as an image or a pip install has it: installed outside the checkout, run from
another directory, it finds its own migrations and assets, migrates and serves."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from tests.conftest import ROOT
from tests.serving import ADMIN, wait_healthy
from tests.support import free_port


def _install(target: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )


def test_installed_elsewhere_it_migrates_and_serves(tmp_path):
    site, work = tmp_path / "site", tmp_path / "work"
    work.mkdir()
    _install(site)
    env = {
        **os.environ,
        "PYTHONPATH": str(site),  # ahead of the checkout's editable install
        "DATABASE_URL": f"sqlite:///{work}/data/switchboard.sqlite3",
        "SWITCHBOARD_ADMIN_TOKEN": ADMIN,
    }
    where = subprocess.run(
        [sys.executable, "-c", "import app, piccolo_migrations; print(app.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(site)), where.stdout
    migrated = subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout == "Applied 16 migrations: the database is up to date.\n" or (
        migrated.stdout.startswith("Applied") and "already complete" not in migrated.stdout
    )
    again = subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.stdout.startswith("Nothing to apply: the database is up to date")
    port = free_port()
    with tempfile.TemporaryFile(mode="w+") as log:
        serving = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve"],
            cwd=work,
            env={**env, "SWITCHBOARD_PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_healthy(port, serving)
            base = f"http://127.0.0.1:{port}"
            answer = httpx.post(
                f"{base}/graphql",
                json={"query": "{ viewer { name role } }"},
                headers={"Authorization": f"Bearer {ADMIN}"},
            )
            assert answer.json()["data"] == {"viewer": {"name": "admin", "role": "ADMIN"}}
            page = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"})
            assert page.status_code == 200 and "GraphiQL" in page.text
        finally:
            serving.terminate()
            serving.wait(timeout=30)
