"""Lighter refuses to start without authentication on an address other machines reach."""

import os
import subprocess
import sys
from pathlib import Path

from tests.harness.lighter import free_port


def start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lighter_standalone", "api"],
        env={
            **os.environ,
            "LIGHTER_HOST": "0.0.0.0",
            "LIGHTER_PORT": str(free_port()),
            "LIGHTER_DATA_DIR": str(tmp_path),
            "LIGHTER_LOG_FORMAT": "text",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_no_authentication_on_a_reachable_address_is_refused_and_says_why(
    tmp_path: Path,
) -> None:
    refused = start(tmp_path)
    assert refused.returncode == 1
    assert "LIGHTER_AUTH_MODE=none on 0.0.0.0" in refused.stderr
    assert "LIGHTER_AUTH_ALLOW_ANONYMOUS=true" in refused.stderr


def test_basic_without_a_users_file_is_refused(tmp_path: Path) -> None:
    refused = start(tmp_path, LIGHTER_AUTH_MODE="basic")
    assert refused.returncode == 1 and "LIGHTER_AUTH_USERS_FILE" in refused.stderr
