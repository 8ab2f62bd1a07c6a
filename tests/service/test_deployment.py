"""What can be checked of the image and the compose file without a Docker engine (none runs on
these machines): the compose file against the Compose Specification's schema, and the
Dockerfile's promises (test_installed_package.py runs the package as the image installs it)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import ROOT


def test_compose_file_follows_the_compose_specification():
    checked = subprocess.run(
        [
            str(Path(sys.executable).with_name("check-jsonschema")),
            "--builtin-schema",
            "vendor.compose-spec",
            str(ROOT / "compose.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_compose_runs_instances_on_postgres_with_shared_rate_limits():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "switchboard"} <= set(services)
    env = services["switchboard"]["environment"]
    assert env["DATABASE_URL"].startswith("postgresql://") and "@postgres:" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:")
    for required in ("SWITCHBOARD_ENCRYPTION_KEYS", "SWITCHBOARD_ADMIN_TOKEN"):
        assert env[required].startswith("${" + required + ":?"), "refuse to start without it"
    depends = services["switchboard"]["depends_on"]
    assert all(depends[name]["condition"] == "service_healthy" for name in ("postgres", "redis"))


def test_the_image_is_production_by_default_and_caches_its_dependencies():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "SWITCHBOARD_ENV=production" in dockerfile
    assert "SWITCHBOARD_KEY_FILE" not in dockerfile, "no generated key file in the image"
    assert re.search(r"^VOLUME /var/lib/switchboard$", dockerfile, re.MULTILINE)
    healthcheck = next(line for line in dockerfile.splitlines() if line.startswith("HEALTHCHECK"))
    assert "SWITCHBOARD_PORT" in healthcheck and "/health/ready" in healthcheck
    dependencies = dockerfile.index("requirements.lock ./")
    assert dependencies < dockerfile.index("COPY app ./app"), "dependencies before the code"
    assert (
        "COPY piccolo_migrations" in dockerfile
        and "pip install --no-cache-dir --no-deps ." in dockerfile
    )
