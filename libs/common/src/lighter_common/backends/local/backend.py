"""The local backend: spark-submit from the installed pyspark package, one process per driver.

Each launch owns a directory, `<data dir>/apps/<app id>[-<generation>]`, that any service on
the host can read after a restart:

    launch.lock   created exclusively by the one launch that starts the driver
    application   the application id and generation, as JSON: whose driver this is
    driver.log    the driver's stdout and stderr
    pid           the supervisor's pid and start time (the supervisor leads the driver's session)
    exit_code     written by the supervisor when the driver ends
    killed        written by `kill`, so a driver we ended reads KILLED rather than FAILED
    spark_app_id  the Spark application id, as the driver reported it on Spark's launcher
                  protocol (see spark_launcher.py); a live driver is RUNNING once it has one
    events/       Spark's event log, when the user turned it on without naming a directory

The backend reference is the directory's name.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from lighter_common.backends.base import LaunchContext, LaunchResult
from lighter_common.backends.driver_log import DriverLogFacts, last_error_line
from lighter_common.backends.local import supervisor as supervisor_module
from lighter_common.backends.local.process import (
    is_same_process,
    live_sessions,
    process_start,
    session_members,
    signal_session,
)
from lighter_common.backends.local.supervisor import (
    EXIT_CODE_FILE,
    KILLED_FILE,
    PID_FILE,
    SPARK_APP_ID_FILE,
    write_atomically,
)
from lighter_common.backends.spark_home import environment_without_service_settings, pyspark_home
from lighter_common.backends.spark_submit import spark_submit_args
from lighter_common.domain.application import Application
from lighter_common.domain.driver import DriverKey, DriverPhase, DriverStatus, LiveDriver
from lighter_common.settings import Settings

LOCK_FILE = "launch.lock"
IDENTITY_FILE = "application"
LOG_FILE = "driver.log"
EVENTS_DIR = "events"
# A lock without a pid file this long after it was taken means the launcher died mid-launch.
_LAUNCH_GRACE_SECONDS = 30.0
_SUPERVISOR_START_TIMEOUT = 30.0
_FAILURE_TAIL_BYTES = 64 * 1024
_LOG_SCAN_LIMIT = 8 * 1024 * 1024
_KILL_POLL_SECONDS = 0.1


class LocalBackend:
    name = "local"

    def __init__(self, settings: Settings, *, kill_grace_seconds: float = 5.0) -> None:
        self._apps_dir = settings.server.data_dir.resolve() / "apps"
        self._master = settings.local.spark_master
        self._spark_home = (settings.local.spark_home or pyspark_home()).resolve()
        self._kill_grace_seconds = kill_grace_seconds
        self._log_scans: dict[Path, _LogScan] = {}

    async def launch(self, app: Application, context: LaunchContext) -> LaunchResult:
        return await asyncio.to_thread(self._launch, app, context)

    async def status(self, app: Application) -> DriverStatus:
        return await asyncio.to_thread(self._status, app)

    async def statuses(self, apps: Sequence[Application]) -> dict[str, DriverStatus]:
        return await asyncio.to_thread(lambda: {app.id: self._status(app) for app in apps})

    async def logs(self, app: Application, max_bytes: int) -> str | None:
        return await asyncio.to_thread(_read_tail, self._app_dir(app) / LOG_FILE, max_bytes)

    async def kill(self, driver: DriverKey) -> None:
        app_dir = self._apps_dir / _ref(driver)
        if not app_dir.is_dir():
            return
        if not (app_dir / EXIT_CODE_FILE).exists():
            (app_dir / KILLED_FILE).touch()
        session = _driver_session(app_dir)
        if session is None:
            return
        if not await asyncio.to_thread(signal_session, session, signal.SIGTERM):
            return
        deadline = time.monotonic() + self._kill_grace_seconds
        while time.monotonic() < deadline:
            await asyncio.sleep(_KILL_POLL_SECONDS)
            if not await asyncio.to_thread(session_members, session):
                return
        await asyncio.to_thread(signal_session, session, signal.SIGKILL)

    async def drivers(self) -> list[LiveDriver]:
        return await asyncio.to_thread(self._drivers)

    async def launch_problem(self) -> None:
        return None

    async def close(self) -> None:
        self._log_scans.clear()

    def _app_dir(self, app: Application) -> Path:
        return self._apps_dir / _ref(DriverKey.of(app))

    def _drivers(self) -> list[LiveDriver]:
        try:
            app_dirs = list(self._apps_dir.iterdir())
        except FileNotFoundError:
            return []
        sessions = live_sessions()
        alive = []
        for app_dir in app_dirs:
            session = _driver_session(app_dir)
            if session is None:
                continue
            running = session in sessions if sessions is not None else session_members(session)
            key = _read_identity(app_dir)
            if running and key is not None:
                alive.append(LiveDriver(key=key, ref=app_dir.name))
        return alive

    def _launch(self, app: Application, context: LaunchContext) -> LaunchResult:
        app_dir = self._app_dir(app)
        app_dir.mkdir(parents=True, exist_ok=True)
        command = [str(self._spark_home / "bin" / "spark-submit"), *self._arguments(app, context)]
        ref = app_dir.name
        try:
            lock = os.open(app_dir / LOCK_FILE, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return LaunchResult(backend_ref=ref)
        with os.fdopen(lock, "w") as lock_file:
            lock_file.write(f"{os.getpid()} {time.time()}\n")
        identity = {"id": app.id, "generation": app.generation}
        write_atomically(app_dir / IDENTITY_FILE, json.dumps(identity))
        with (app_dir / LOG_FILE).open("ab") as log:
            supervisor = subprocess.run(
                [sys.executable, "-m", supervisor_module.__name__, str(app_dir), "--", *command],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self._environment(context),
                timeout=_SUPERVISOR_START_TIMEOUT,
                check=False,
            )
        if supervisor.returncode != 0:
            raise RuntimeError(f"the driver's supervisor did not start (see {LOG_FILE})")
        return LaunchResult(backend_ref=ref)

    def _arguments(self, app: Application, context: LaunchContext) -> list[str]:
        return spark_submit_args(
            app.submit_params,
            name=app.id,
            master=self._master,
            deploy_mode="client",
            main_file=context.kernel_file,
            main_py_files=[context.kernel_archive] if context.kernel_archive else [],
            extra_conf=_event_log_conf(app, self._app_dir(app) / EVENTS_DIR),
        )

    def _environment(self, context: LaunchContext) -> dict[str, str]:
        """The service's environment without Lighter's own settings, plus the context's.

        LIGHTER_* variables hold the service's secrets (database and broker URLs, …); user
        code in the driver must not read them. The kernel's own variables come from the
        launch context.
        """
        env = environment_without_service_settings()
        env["SPARK_HOME"] = str(self._spark_home)
        # Python workers need an interpreter that has pyspark: the one running this service.
        env.setdefault("PYSPARK_PYTHON", sys.executable)
        env.setdefault("PYSPARK_DRIVER_PYTHON", env["PYSPARK_PYTHON"])
        return {**env, **(context.env or {})}

    def _status(self, app: Application) -> DriverStatus:
        app_dir = self._app_dir(app)
        # Liveness before the exit code: a driver ending in between then still reads as ended.
        alive = _live_supervisor(app_dir) is not None
        exit_code = _read_exit_code(app_dir)
        facts = self._read_log_facts(app_dir)
        spark_app_id = _read_spark_app_id(app_dir)
        status = _status_from(
            app_dir, facts, spark_app_id=spark_app_id, alive=alive, exit_code=exit_code
        )
        if status.phase not in (DriverPhase.STARTING, DriverPhase.RUNNING):
            self._log_scans.pop(app_dir, None)
        return status

    def _read_log_facts(self, app_dir: Path) -> DriverLogFacts:
        scan = self._log_scans.setdefault(app_dir, _LogScan(app_dir / LOG_FILE))
        scan.read_new_lines()
        return scan.facts


def _status_from(
    app_dir: Path,
    facts: DriverLogFacts,
    *,
    spark_app_id: str | None,
    alive: bool,
    exit_code: int | None,
) -> DriverStatus:
    found = {"spark_app_id": spark_app_id, "spark_ui_url": facts.spark_ui_url}
    killed = (app_dir / KILLED_FILE).exists()
    if exit_code is not None or not alive:
        if killed:
            return DriverStatus(DriverPhase.KILLED, reason="killed", **found)
        if exit_code == 0:
            return DriverStatus(DriverPhase.SUCCEEDED, **found)
        if exit_code is not None:
            return DriverStatus(DriverPhase.FAILED, reason=_failure(app_dir, exit_code), **found)
        if (app_dir / PID_FILE).exists():
            return DriverStatus(DriverPhase.MISSING, reason="driver process vanished", **found)
        return _before_supervisor(app_dir)
    if spark_app_id is None:
        return DriverStatus(DriverPhase.STARTING, **found)
    return DriverStatus(DriverPhase.RUNNING, **found)


def _before_supervisor(app_dir: Path) -> DriverStatus:
    try:
        locked_at = (app_dir / LOCK_FILE).stat().st_mtime
    except FileNotFoundError:
        return DriverStatus(DriverPhase.MISSING, reason="no driver was launched")
    if time.time() - locked_at < _LAUNCH_GRACE_SECONDS:
        return DriverStatus(DriverPhase.STARTING)
    return DriverStatus(DriverPhase.MISSING, reason="driver never started")


def _failure(app_dir: Path, exit_code: int) -> str:
    if exit_code < 0:
        reason = f"killed by signal {signal.Signals(-exit_code).name}"
    else:
        reason = f"exit code {exit_code}"
    error = last_error_line(_read_tail(app_dir / LOG_FILE, _FAILURE_TAIL_BYTES) or "")
    return f"{reason}: {error}" if error else reason


def _event_log_conf(app: Application, own_dir: Path) -> dict[str, str]:
    """A directory for an event log the user turned on without naming one.

    Spark's default, /tmp/spark-events, rarely exists, and the driver would fail on it.
    Everything else about the event log is the user's choice.
    """
    conf = app.submit_params.spark_conf()
    enabled = conf.get("spark.eventLog.enabled", "").strip().lower() == "true"
    if not enabled or conf.get("spark.eventLog.dir"):
        return {}
    own_dir.mkdir(parents=True, exist_ok=True)
    return {"spark.eventLog.dir": own_dir.as_uri()}


def _read_pid_file(app_dir: Path) -> tuple[int, str] | None:
    try:
        pid, start = (app_dir / PID_FILE).read_text().split()
    except (FileNotFoundError, ValueError):
        return None
    return int(pid), start


def _live_supervisor(app_dir: Path) -> int | None:
    """The supervisor's pid if it is still the process that launched this driver."""
    recorded = _read_pid_file(app_dir)
    if recorded is None or not is_same_process(*recorded):
        return None
    return recorded[0]


def _driver_session(app_dir: Path) -> int | None:
    """The id of the session holding the driver's processes, even once its supervisor died.

    A pid that names a session is never handed to a new process, so if no live process has
    the supervisor's pid, whatever runs in that session is what the supervisor left behind.
    """
    recorded = _read_pid_file(app_dir)
    if recorded is None:
        return None
    pid, start = recorded
    if is_same_process(pid, start) or process_start(pid) is None:
        return pid
    return None


def _read_spark_app_id(app_dir: Path) -> str | None:
    try:
        return (app_dir / SPARK_APP_ID_FILE).read_text().strip() or None
    except FileNotFoundError:
        return None


def _read_exit_code(app_dir: Path) -> int | None:
    try:
        return int((app_dir / EXIT_CODE_FILE).read_text())
    except FileNotFoundError:
        return None


def _read_tail(path: Path, max_bytes: int) -> str | None:
    try:
        with path.open("rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - max_bytes))
            data = file.read()
    except FileNotFoundError:
        return None
    if len(data) < size and b"\n" in data:
        data = data[data.index(b"\n") + 1 :]  # drop the line the cut went through
    return data.decode("utf-8", errors="replace")


class _LogScan:
    """Reads a growing driver log once, from where it stopped, until the facts are in."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.facts = DriverLogFacts()
        self._offset = 0
        self._partial = b""

    def read_new_lines(self) -> None:
        if self.facts.complete or self._offset >= _LOG_SCAN_LIMIT:
            return
        try:
            with self.path.open("rb") as file:
                file.seek(self._offset)
                data = file.read(_LOG_SCAN_LIMIT - self._offset)
        except FileNotFoundError:
            return
        self._offset += len(data)
        *lines, self._partial = (self._partial + data).split(b"\n")
        for line in lines:
            self.facts.read_line(line.decode("utf-8", errors="replace"))


def _ref(driver: DriverKey) -> str:
    return driver.app_id if driver.generation == 0 else f"{driver.app_id}-{driver.generation}"


def _read_identity(app_dir: Path) -> DriverKey | None:
    try:
        identity = json.loads((app_dir / IDENTITY_FILE).read_text())
        return DriverKey(str(identity["id"]), int(identity["generation"]))
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None  # launched before identities were recorded, or being written
