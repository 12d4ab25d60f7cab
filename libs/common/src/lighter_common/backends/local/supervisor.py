"""Runs one driver detached from whoever launched it and records how it ended.

    python -m lighter_common.backends.local.supervisor <app dir> -- <command...>

The supervisor forks. The child starts a new session (so the session id, its pid, names the
whole driver tree), writes `pid` (its pid and start time), starts the command and waits for
it, then writes `exit_code` (negative: the signal that ended the command). Meanwhile it
listens for the driver on Spark's launcher protocol and writes the application id it
reports to `spark_app_id`. SIGTERM, SIGINT and SIGHUP are passed on to the command. The parent returns as soon as the child has
written `pid`, so the launcher never owns the driver and any process on the host can track
it through these files. Its own output, and the command's, go wherever its stdout points.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

from lighter_common.backends.local.process import process_start
from lighter_common.backends.spark_launcher import LauncherListener

PID_FILE = "pid"
EXIT_CODE_FILE = "exit_code"
KILLED_FILE = "killed"
SPARK_APP_ID_FILE = "spark_app_id"
NOT_STARTED_EXIT_CODE = 127
_FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def write_atomically(path: Path, text: str) -> None:
    """Readers see the whole file or none of it."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text)
    os.replace(partial, path)


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: local_supervisor <app dir> -- <command...>", file=sys.stderr)
        return 2
    app_dir, command = Path(argv[0]), argv[2:]
    ready_read, ready_write = os.pipe()
    if os.fork() > 0:
        os.close(ready_write)
        return 0 if os.read(ready_read, 1) else 1
    os.close(ready_read)
    os.setsid()
    os._exit(_supervise(app_dir, command, ready_write))


def _supervise(app_dir: Path, command: list[str], ready: int) -> int:
    pending: list[int] = []
    driver: subprocess.Popen[bytes] | None = None

    def forward(signum: int, _: FrameType | None) -> None:
        if driver is None:
            pending.append(signum)
        else:
            driver.send_signal(signum)

    for signum in _FORWARDED:
        signal.signal(signum, forward)
    write_atomically(app_dir / PID_FILE, f"{os.getpid()} {process_start(os.getpid())}\n")
    os.write(ready, b"1")
    os.close(ready)
    if (app_dir / KILLED_FILE).exists():
        code = -signal.SIGTERM.value
    else:
        launcher = LauncherListener(
            lambda app_id: write_atomically(app_dir / SPARK_APP_ID_FILE, f"{app_id}\n")
        )
        driver = _start(command, launcher.env)
        if driver is None:
            code = NOT_STARTED_EXIT_CODE
        else:
            for early_signal in pending:
                driver.send_signal(early_signal)
            code = driver.wait()
    write_atomically(app_dir / EXIT_CODE_FILE, f"{code}\n")
    return 0


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes] | None:
    try:
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, env={**os.environ, **env})
    except OSError as error:
        print(f"cannot start {command[0]}: {error}", file=sys.stderr, flush=True)
        return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
