#!/usr/bin/env python3
"""The README's first command, as a newcomer runs it: `make run` in a fresh virtual environment,
the pi batch submitted over HTTP, "Pi is roughly" in its log, then a clean stop.

Standard library only: it runs before anything but Python, Java and make is installed. Exits
non-zero, printing the server's log, when any step fails or takes too long.
Usage: scripts/smoke-run.py [--start-timeout S] [--batch-timeout S]
"""

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PI_BATCH = {"name": "pi", "file": "examples/pi.py", "args": ["10"]}
FINAL_STATES = {"success", "error", "dead", "killed"}
# What only the test set-up installs; the runtime environment must not hold it.
NOT_IN_RUNTIME = ("pytest", "sparkmagic", "livy", "ruff", "mypy")


class SmokeFailure(Exception):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def call(method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def wait_for(what: str, timeout: float, check: Any, server: subprocess.Popen[bytes]) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SmokeFailure(
                f"`make run` exited with {server.returncode} while waiting for {what}"
            )
        try:
            result = check()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            result = None
        if result is not None:
            return result
        time.sleep(1)
    raise SmokeFailure(f"no {what} within {timeout:.0f} s")


def running_in_group(pgid: int) -> list[int]:
    """Processes of the group that still run (zombies excluded: they have exited)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids


def stop(server: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM to `make run`'s process group; every process in it must end within `timeout`."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        server.poll()
        if not running_in_group(server.pid):
            return
        time.sleep(0.2)
    left = running_in_group(server.pid)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait()
    raise SmokeFailure(f"`make run` left processes {left} running {timeout:.0f} s after SIGTERM")


def check_runtime_only(venv: Path) -> None:
    python = venv / "bin" / "python"
    found = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.util, sys; "
            "print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m)))",
            *NOT_IN_RUNTIME,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    if found:
        raise SmokeFailure(f"the runtime environment holds test-only packages: {found}")


def smoke(work: Path, start_timeout: float, batch_timeout: float) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    venv = work / "venv"
    env = {
        **os.environ,
        "LIGHTER_PORT": str(port),
        "LIGHTER_DATA_DIR": str(work / "data"),
        "LIGHTER_LOG_FORMAT": "text",
        "UV_PROJECT_ENVIRONMENT": str(venv),  # a fresh environment, whatever the clone holds
    }
    log_path = work / "make-run.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            ["make", "--no-print-directory", "run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        print(f"make run: waiting for {url}/health (installs the runtime environment first)")
        wait_for("answer on /health", start_timeout, lambda: call("GET", url + "/health"), server)
        check_runtime_only(venv)

        batch = call("POST", url + "/lighter/api/batches", PI_BATCH)
        batch_url = f"{url}/lighter/api/batches/{batch['id']}"
        print(f"submitted the pi batch {batch['id']}")

        def final_state() -> str | None:
            state: str = call("GET", batch_url + "/state")["state"]
            return state if state in FINAL_STATES else None

        state = wait_for("final state of the pi batch", batch_timeout, final_state, server)
        log = call("GET", batch_url + "/log?size=10000")["log"]
        lines = log.splitlines() if isinstance(log, str) else log
        if state != "success":
            raise SmokeFailure(f"the pi batch ended {state}:\n" + "\n".join(lines))
        pi = [line for line in lines if "Pi is roughly" in line]
        if not pi:
            raise SmokeFailure("no 'Pi is roughly' in the batch log:\n" + "\n".join(lines))
        print(f"the pi batch succeeded: {pi[0]}")
    except BaseException:
        stop(server, timeout=30)
        raise
    stop(server, timeout=30)
    if "lighter_common.service.runner: stopped" not in log_path.read_text(errors="replace"):
        raise SmokeFailure("Lighter ended without stopping its services")
    print("make run stopped cleanly")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--start-timeout", type=float, default=900.0)
    parser.add_argument("--batch-timeout", type=float, default=300.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lighter-smoke-"))
    try:
        smoke(work, args.start_timeout, args.batch_timeout)
    except (SmokeFailure, urllib.error.URLError, KeyError) as failure:
        print(f"SMOKE RUN FAILED: {failure}", file=sys.stderr)
        log = work / "make-run.log"
        if log.exists():
            print("---- make run output ----", file=sys.stderr)
            print(log.read_text(errors="replace")[-20000:], file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
