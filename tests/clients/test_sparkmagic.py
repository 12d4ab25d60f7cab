"""sparkmagic's own client classes against Lighter, driven as its Jupyter magics drive them.

Both ways a notebook reaches Lighter: `/lighter/api` with sparkmagic's custom header
`X-Compatibility-Mode: sparkmagic`, and `/livy` with no header at all.
"""

import builtins
import re
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sparkmagic.utils.configuration as sparkmagic_conf
from sparkmagic.livyclientlib.command import Command
from sparkmagic.livyclientlib.endpoint import Endpoint
from sparkmagic.livyclientlib.exceptions import SparkStatementCancelledException
from sparkmagic.livyclientlib.sparkcontroller import SparkController
from sparkmagic.livyclientlib.sqlquery import SQLQuery

from tests.harness.lighter import LighterFactory, LighterProcesses

pytestmark = pytest.mark.spark

SPARKMAGIC_HEADER = {"X-Compatibility-Mode": "sparkmagic"}


class Display:
    """What sparkmagic writes to a notebook, kept for the test to read."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.errors: list[str] = []

    def write(self, text: Any) -> None:
        self.lines.append(str(text))

    def writeln(self, text: Any) -> None:
        self.lines.append(str(text))

    def html(self, text: Any) -> None:
        self.lines.append(str(text))

    def display(self, value: Any) -> None:
        pass

    def send_error(self, text: Any) -> None:
        self.errors.append(str(text))

    def stdout_flush(self) -> None:
        pass

    def stderr_flush(self) -> None:
        pass


class Shell:
    """The IPython shell sparkmagic patches to show a cancelled cell without a traceback."""

    def _showtraceback(self, *args: Any) -> None:
        pass


@pytest.fixture(autouse=True)
def ipython_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    shell = Shell()
    monkeypatch.setattr(builtins, "get_ipython", lambda: shell, raising=False)


@pytest.fixture(autouse=True)
def ctrl_c_interrupts() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt, as in Jupyter, even in a run started with SIGINT
    ignored (a background job of a non-interactive shell, as some CI runners start them)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.fixture(scope="module")
def lighter(lighter_factory: LighterFactory) -> Iterator[LighterProcesses]:
    processes = lighter_factory.start("standalone")
    yield processes
    processes.stop_all()


def configure_sparkmagic(headers: dict[str, str]) -> None:
    # As a user's ~/.sparkmagic/config.json would; set before any client is made.
    sparkmagic_conf.override_all(
        {
            "custom_headers": headers,
            "livy_session_startup_timeout_seconds": 240,
            "cleanup_all_sessions_on_exit": False,
            "heartbeat_refresh_seconds": 1,
        }
    )


def raise_ctrl_c_when_running(http: httpx.Client, statements_path: str, count_before: int) -> None:
    """What Jupyter does on Ctrl-C: KeyboardInterrupt in the cell, once the code runs."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        statements = http.get(statements_path).json()["statements"]
        if len(statements) > count_before and statements[-1]["state"] == "running":
            time.sleep(1)
            main = threading.main_thread().ident
            assert main is not None
            signal.pthread_kill(main, signal.SIGINT)
            return
        time.sleep(0.2)


def exercise_notebook(
    lighter: LighterProcesses, base: str, headers: dict[str, str], http_headers: dict[str, str]
) -> None:
    configure_sparkmagic(headers)
    display = Display()
    controller = SparkController(display)
    endpoint = Endpoint(lighter.url + base, None)  # no authentication

    # %spark add / the first cell: the session starts and `spark` is found.
    controller.add_session("notebook", endpoint, False, {"kind": "pyspark"})
    assert "SparkSession available as 'spark'." in display.lines, display.lines
    session = controller.get_session_by_name_or_default("notebook")
    assert session.status == "idle"
    session_path = f"{base}/sessions/{session.id}"

    # Cells.
    assert controller.run_command(Command("1+1")) == (True, "2", "text/plain")
    success, text, _ = controller.run_command(Command("print('hi')\nundefined_name"))
    assert not success
    assert "name 'undefined_name' is not defined" in text
    assert "Traceback (most recent call last)" in text
    assert "NameError" in text

    # %%sql
    controller.run_command(Command("spark.range(5).createOrReplaceTempView('numbers')"))
    frame = controller.run_sqlquery(
        SQLQuery("SELECT id, id * 2 AS twice FROM numbers WHERE id > 2")
    )
    assert list(frame.columns) == ["id", "twice"]
    assert frame.to_dict("records") == [{"id": 3, "twice": 6}, {"id": 4, "twice": 8}]
    empty = controller.run_sqlquery(SQLQuery("SELECT id FROM numbers WHERE id > 100"))
    assert len(empty) == 0

    # %%info and %%logs
    info = controller.get_all_sessions_endpoint_info(endpoint)
    assert any(f"Session id: {session.id}\t" in line for line in info), info
    assert controller.get_app_id().startswith("local-")
    assert controller.get_spark_ui_url()
    logs = controller.get_logs()
    assert isinstance(logs, str) and logs.strip()

    # Ctrl-C on a running cell cancels its statement; the next cell works.
    with httpx.Client(base_url=lighter.url, headers=http_headers, timeout=30) as http:
        count = len(http.get(f"{session_path}/statements").json()["statements"])
        interrupter = threading.Thread(
            target=raise_ctrl_c_when_running,
            args=(http, f"{session_path}/statements", count),
            daemon=True,
        )
        interrupter.start()
        started = time.monotonic()
        with pytest.raises(SparkStatementCancelledException):
            controller.run_command(Command("import time\ntime.sleep(600)"))
        assert time.monotonic() - started < 60
        interrupter.join()
        last = http.get(f"{session_path}/statements").json()["statements"][-1]
        assert last["state"] == "cancelled", last
    assert controller.run_command(Command("'still here'")) == (True, "'still here'", "text/plain")

    # %%delete / %%cleanup
    if base == "/livy":
        controller.delete_session_by_id(endpoint, session.id)
    else:
        controller.cleanup_endpoint(endpoint)
        controller.delete_session_by_name("notebook")
    assert controller.get_client_keys() == []
    # Deleting by id or endpoint goes through a new client object; the notebook's own one
    # would keep its heartbeat thread polling after the test's Lighter is gone.
    session._stop_heartbeat_thread()
    with httpx.Client(base_url=lighter.url, headers=http_headers, timeout=30) as http:
        assert http.get(session_path).status_code == 404
        listed = http.get(f"{base}/sessions").json()["sessions"]
        assert session.id not in [s["id"] for s in listed]


def test_a_notebook_through_the_lighter_api_with_the_sparkmagic_header(
    lighter: LighterProcesses,
) -> None:
    exercise_notebook(lighter, "/lighter/api", SPARKMAGIC_HEADER, SPARKMAGIC_HEADER)


def test_a_notebook_through_the_livy_endpoint(lighter: LighterProcesses) -> None:
    exercise_notebook(lighter, "/livy", {}, {})


def test_scala_cells_in_a_spark_session_through_the_livy_endpoint(
    lighter: LighterProcesses,
) -> None:
    """%%spark cells in a `spark` session: Scala, %%sql read through Scala, Scala errors."""
    configure_sparkmagic({})
    display = Display()
    controller = SparkController(display)
    endpoint = Endpoint(lighter.url + "/livy", None)
    controller.add_session("scala", endpoint, False, {"kind": "spark"})
    assert "SparkSession available as 'spark'." in display.lines, display.lines
    session = controller.get_session_by_name_or_default("scala")

    success, text, mimetype = controller.run_command(Command("1 + 1"))
    assert success and mimetype == "text/plain"
    assert re.fullmatch(r"res\d+: Int = 2\n", text), text
    code = 'spark.range(5).toDF("id").createOrReplaceTempView("numbers")'
    assert controller.run_command(Command(code))[0]
    frame = controller.run_sqlquery(
        SQLQuery("SELECT id, id * 2 AS twice FROM numbers WHERE id > 2")
    )
    assert frame.to_dict("records") == [{"id": 3, "twice": 6}, {"id": 4, "twice": 8}]
    success, text, _ = controller.run_command(Command('val x: Int = "a"'))
    assert not success
    assert "type mismatch" in text

    controller.delete_session_by_id(endpoint, session.id)
    session._stop_heartbeat_thread()
