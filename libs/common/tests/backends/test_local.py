import asyncio
import os
import signal
import time
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lighter_common.backends import open_backend
from lighter_common.backends.base import LaunchContext
from lighter_common.backends.local.backend import LocalBackend
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.driver import DriverKey, DriverPhase, DriverStatus
from lighter_common.domain.submit_params import ConfValue, SubmitParams
from lighter_common.settings import LocalSettings, ServerSettings, Settings

pytestmark = pytest.mark.spark

EXAMPLES = Path(__file__).resolve().parents[4] / "examples"
FINISHED = {DriverPhase.SUCCEEDED, DriverPhase.FAILED, DriverPhase.KILLED, DriverPhase.MISSING}
SPARK_TIMEOUT = 240.0


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        server=ServerSettings(data_dir=tmp_path_factory.mktemp("lighter")),
        local=LocalSettings(spark_master="local[2]"),
    )


@pytest.fixture(scope="module")
def backend(settings: Settings) -> LocalBackend:
    return LocalBackend(settings, kill_grace_seconds=5)


def batch(file: Path, *args: str, conf: dict[str, ConfValue] | None = None) -> Application:
    params = SubmitParams(file=str(file), args=list(args), conf=conf or {})
    return Application(type=ApplicationType.BATCH, submit_params=params)


async def wait_for(
    backend: LocalBackend, app: Application, phases: set[DriverPhase]
) -> DriverStatus:
    deadline = time.monotonic() + SPARK_TIMEOUT
    while time.monotonic() < deadline:
        status = await backend.status(app)
        if status.phase in phases:
            return status
        await asyncio.sleep(0.25)
    log = await backend.logs(app, 4000)
    raise AssertionError(f"{app.id} never reached {phases}; last {status}; log tail:\n{log}")


def supervisor_pid(settings: Settings, app: Application) -> int:
    return int((settings.server.data_dir / "apps" / app.id / "pid").read_text().split()[0])


def live_session_members(session_id: int) -> list[int]:
    """Processes, zombies aside, whose session is `session_id`: what a kill must end."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if fields[0] != "Z" and fields[3] == str(session_id):
            members.append(int(stat.parent.name))
    return members


async def wait_until_gone(session_id: int) -> list[int]:
    for _ in range(75):
        if not (members := live_session_members(session_id)):
            break
        await asyncio.sleep(0.2)
    return members


async def wait_for_log(backend: LocalBackend, app: Application, text: str) -> None:
    for _ in range(int(SPARK_TIMEOUT * 4)):
        if text in (await backend.logs(app, 1_000_000) or ""):
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"{text!r} never appeared in the log of {app.id}")


def test_open_backend_picks_the_local_backend(settings: Settings) -> None:
    assert isinstance(open_backend(settings), LocalBackend)


async def test_pi_succeeds_and_its_spark_app_id_is_found(backend: LocalBackend) -> None:
    # Event logging switched on without a directory must not need /tmp/spark-events.
    app = batch(EXAMPLES / "pi.py", "2", conf={"spark.eventLog.enabled": True})

    result = await backend.launch(app, LaunchContext())
    status = await wait_for(backend, app, FINISHED)

    assert result.backend_ref == app.id
    assert status.phase is DriverPhase.SUCCEEDED, await backend.logs(app, 4000)
    assert status.spark_app_id is not None
    assert status.spark_app_id.startswith("local-")
    assert status.spark_ui_url is not None
    assert status.spark_ui_url.startswith("http://")
    log = await backend.logs(app, 1_000_000)
    assert log is not None
    assert "Pi is roughly 3.1" in log
    assert status.spark_app_id in log


async def test_the_spark_app_id_is_known_with_the_event_log_and_the_ui_off(
    backend: LocalBackend,
) -> None:
    conf: dict[str, ConfValue] = {"spark.eventLog.enabled": False, "spark.ui.enabled": False}
    app = batch(EXAMPLES / "pi.py", "2", conf=conf)

    await backend.launch(app, LaunchContext())
    running = await wait_for(backend, app, {DriverPhase.RUNNING, *FINISHED})
    ended = await wait_for(backend, app, FINISHED)

    assert running.phase is DriverPhase.RUNNING, await backend.logs(app, 4000)
    assert running.spark_app_id is not None and running.spark_app_id.startswith("local-")
    assert ended.phase is DriverPhase.SUCCEEDED
    assert ended.spark_app_id == running.spark_app_id
    assert "Logging events to" not in (await backend.logs(app, 1_000_000) or "")


async def test_failure_reports_the_python_exception(backend: LocalBackend) -> None:
    app = batch(EXAMPLES / "fail.py")

    await backend.launch(app, LaunchContext())
    status = await wait_for(backend, app, FINISHED)

    assert status.phase is DriverPhase.FAILED
    assert status.reason is not None
    assert status.reason.startswith("exit code 1: ValueError: fail.py gives up on purpose")
    assert "ValueError: fail.py gives up on purpose" in (await backend.logs(app, 100_000) or "")


async def test_launch_context_sets_the_main_file_archive_and_environment(
    backend: LocalBackend, tmp_path: Path
) -> None:
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w") as package:
        package.writestr("kernel_package/__init__.py", "WHERE = __file__\n")
    kernel = tmp_path / "kernel.py"
    kernel.write_text(
        "import os, sys\nfrom kernel_package import WHERE\n"
        "print('kernel says', os.environ['LIGHTER_TEST_WORD'], sys.argv[1:], 'from', WHERE)\n"
    )
    app = batch(EXAMPLES / "fail.py", "one")
    context = LaunchContext(
        kernel_file=str(kernel), kernel_archive=str(archive), env={"LIGHTER_TEST_WORD": "hello"}
    )

    await backend.launch(app, context)
    status = await wait_for(backend, app, FINISHED)

    log = await backend.logs(app, 100_000) or ""
    assert status.phase is DriverPhase.SUCCEEDED, log
    assert f"kernel says hello ['one'] from {archive}/kernel_package/__init__.py" in log


@pytest.fixture(scope="module")
async def sleeper(backend: LocalBackend) -> AsyncIterator[Application]:
    """A driver that stays running until a test kills it."""
    app = batch(EXAMPLES / "sleep.py", "300")
    await backend.launch(app, LaunchContext())
    await wait_for_log(backend, app, "sleeping:")
    yield app
    await backend.kill(DriverKey.of(app))


async def test_a_second_launch_returns_the_same_ref_and_starts_nothing(
    backend: LocalBackend, settings: Settings, sleeper: Application
) -> None:
    pid_file = settings.server.data_dir / "apps" / sleeper.id / "pid"
    recorded = pid_file.read_text()
    members = sorted(live_session_members(supervisor_pid(settings, sleeper)))

    again = await LocalBackend(settings).launch(sleeper, LaunchContext())
    await asyncio.sleep(1)

    assert again.backend_ref == sleeper.id
    assert pid_file.read_text() == recorded
    assert sorted(live_session_members(supervisor_pid(settings, sleeper))) == members


async def test_another_instance_reads_a_driver_it_did_not_launch(
    settings: Settings, sleeper: Application
) -> None:
    status = await LocalBackend(settings).status(sleeper)

    assert status.phase is DriverPhase.RUNNING
    assert status.spark_app_id is not None
    assert "sleeping:" in (await LocalBackend(settings).logs(sleeper, 1_000_000) or "")


async def test_kill_ends_the_whole_driver_tree(
    backend: LocalBackend, settings: Settings, sleeper: Application
) -> None:
    session = supervisor_pid(settings, sleeper)
    # supervisor, JVM, Python driver, PySpark's worker daemon (in a process group of its own)
    assert len(live_session_members(session)) >= 4

    await LocalBackend(settings).kill(DriverKey.of(sleeper))
    status = await wait_for(backend, sleeper, FINISHED)

    assert status.phase is DriverPhase.KILLED
    assert await wait_until_gone(session) == []


async def test_a_vanished_supervisor_is_missing(backend: LocalBackend, settings: Settings) -> None:
    app = batch(EXAMPLES / "sleep.py", "300")
    await backend.launch(app, LaunchContext())
    session = supervisor_pid(settings, app)

    os.kill(session, signal.SIGKILL)
    status = await wait_for(backend, app, FINISHED)

    assert status.phase is DriverPhase.MISSING
    assert status.reason == "driver process vanished"
    # What the supervisor left behind is still the driver's, and a kill still ends it.
    await backend.kill(DriverKey.of(app))
    assert await wait_until_gone(session) == []


async def test_an_application_never_launched_is_missing(backend: LocalBackend) -> None:
    status = await backend.status(batch(EXAMPLES / "pi.py"))

    assert status.phase is DriverPhase.MISSING
    assert await backend.logs(batch(EXAMPLES / "pi.py"), 100) is None
