"""The real kernel on real Spark (local mode), against the real endpoint and SQLite store."""

import asyncio
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyspark
import pytest
import uvicorn
from fastapi import FastAPI
from lighter_common.backends.spark_submit import spark_submit_args
from lighter_common.domain.application import Application
from lighter_common.domain.completion import Completion
from lighter_common.domain.statement import Statement, StatementOutput
from lighter_common.domain.states import ApplicationState, StatementState
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.kernel import KERNEL_PATH, kernel_archive_file
from lighter_common.settings import SessionSettings, Settings
from lighter_common.store.sqlite import SqliteStore
from lighter_session_manager.dispatch import Dispatcher
from lighter_session_manager.kernel_endpoint import kernel_router

from .conftest import new_session

pytestmark = pytest.mark.spark

S = StatementState
A = ApplicationState
SPARK_START_TIMEOUT = 240.0
STATEMENT_TIMEOUT = 120.0


class EndpointServer:
    """The kernel endpoint on uvicorn, in this process; it can go away and come back."""

    def __init__(self, store: SqliteStore, dispatcher: Dispatcher) -> None:
        app = FastAPI()
        settings = Settings(sessions=SessionSettings(kernel_poll_timeout=2.0))
        app.include_router(kernel_router(store=store, dispatcher=dispatcher, settings=settings))
        self._app = app
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.port = 0

    async def start(self) -> None:
        config = uvicorn.Config(
            self._app, host="127.0.0.1", port=self.port, log_config=None, lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        for _ in range(200):
            if self._server.started:
                break
            await asyncio.sleep(0.05)
        assert self._server.started, "the endpoint did not start"
        self.port = self._server.servers[0].sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None and self._task is not None
        self._server.should_exit = True
        await self._task


@dataclass
class Kernel:
    store: SqliteStore
    dispatcher: Dispatcher
    endpoint: EndpointServer
    session: Application
    process: asyncio.subprocess.Process
    log: Path

    async def submit(self, code: str, kind: str | None = None) -> Statement:
        statement = await self.store.insert_statement(
            Statement(session_id=self.session.id, id=-1, code=code, kind=kind)
        )
        self.dispatcher.ring(self.session.id)
        return statement

    async def run(self, code: str, kind: str | None = None) -> Statement:
        return await self.finished(await self.submit(code, kind))

    async def statement(self, statement: Statement) -> Statement:
        found = await self.store.get_statement(self.session.id, statement.id)
        assert found is not None
        return found

    async def finished(self, statement: Statement) -> Statement:
        return await self.wait(
            statement, lambda s: s.state.is_finished, f"statement {statement.id} to finish"
        )

    async def wait(self, statement: Statement, done: Any, what: str) -> Statement:
        deadline = time.monotonic() + STATEMENT_TIMEOUT
        while time.monotonic() < deadline:
            found = await self.statement(statement)
            if done(found):
                return found
            await asyncio.sleep(0.1)
        if self.process.returncode is None:
            os.kill(self.kernel_pid(), signal.SIGUSR1)  # the kernel's threads, in its log
            await asyncio.sleep(1.0)
        raise AssertionError(f"waited in vain for {what}; kernel log:\n{self.log_tail()}")

    def kernel_pid(self) -> int:
        """The kernel's Python process, a child of spark-submit's JVM."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return int(children.read_text().split()[0])

    async def cancel(self, statement: Statement) -> None:
        # What the API does for a running statement.
        await self.store.update_statement(
            self.session.id, statement.id, {"state": S.CANCELLING}, expected=(S.RUNNING,)
        )
        self.dispatcher.ring(self.session.id)

    async def session_state(self) -> ApplicationState:
        session = await self.store.get_application(self.session.id)
        assert session is not None
        return session.state

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-6000:] if self.log.exists() else ""


def data(statement: Statement) -> dict[str, Any]:
    assert statement.output is not None, statement
    assert statement.state is S.AVAILABLE, statement.output
    result: dict[str, Any] | None = statement.output.data
    assert result is not None
    return result


async def start_kernel(session: Application, port: int, log: Path) -> asyncio.subprocess.Process:
    """The kernel as the local backend delivers it: its main file, and its package in the
    archive given with `--py-files` (the one place the driver can import it from)."""
    spark_home = Path(pyspark.__file__).parent
    env = {
        **os.environ,
        "SPARK_HOME": str(spark_home),
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        "LIGHTER_KERNEL_URL": f"http://127.0.0.1:{port}",
        "LIGHTER_SESSION_ID": session.id,
        "LIGHTER_KERNEL_SECRET": session.kernel_secret or "",
        "LIGHTER_SESSION_GENERATION": str(session.generation),
        "LIGHTER_SESSION_KIND": "shared",
    }
    params = SubmitParams.model_validate(
        {"conf": {"spark.ui.port": "0", "spark.sql.shuffle.partitions": "2"}}
    )
    argv = spark_submit_args(
        params,
        name=session.id,
        master="local[2]",
        main_file=str(KERNEL_PATH),
        main_py_files=[str(kernel_archive_file(log.parent / "kernel"))],
    )
    with log.open("wb") as output:
        return await asyncio.create_subprocess_exec(
            str(spark_home / "bin" / "spark-submit"),
            *argv,
            env=env,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )


@pytest.fixture(scope="module")
async def kernel(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Kernel]:
    directory = tmp_path_factory.mktemp("kernel")
    store = await SqliteStore.open(directory / "db")
    dispatcher = Dispatcher(store=store, recheck_interval=0.5)
    session = await store.insert_application(new_session(A.STARTING))
    endpoint = EndpointServer(store, dispatcher)
    await endpoint.start()
    process = await start_kernel(session, endpoint.port, directory / "driver.log")
    running = Kernel(store, dispatcher, endpoint, session, process, directory / "driver.log")
    try:
        yield running
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        await endpoint.stop()
        await store.close()


async def test_the_session_becomes_idle_once_spark_is_up(kernel: Kernel) -> None:
    deadline = time.monotonic() + SPARK_START_TIMEOUT
    while await kernel.session_state() is A.STARTING:
        assert kernel.process.returncode is None, kernel.log_tail()
        assert time.monotonic() < deadline, kernel.log_tail()
        await asyncio.sleep(0.25)
    session = await kernel.store.get_application(kernel.session.id)
    assert session is not None
    assert session.state is A.IDLE
    assert session.app_id and session.app_id.startswith("local-")
    assert session.app_info.spark_ui_url and session.app_info.spark_ui_url.startswith("http")
    assert session.contacted_at is not None


async def test_the_kernel_runs_from_its_archive(kernel: Kernel) -> None:
    # Nothing named lighter_kernel is installed: the driver imported it from the zip.
    imported = data(await kernel.run("import lighter_kernel\nlighter_kernel.__file__"))
    location = imported["text/plain"].strip("'")
    archive = kernel_archive_file(kernel.log.parent / "kernel")
    assert location == f"{archive}/lighter_kernel/__init__.py"


async def test_the_last_expression_is_echoed(kernel: Kernel) -> None:
    assert data(await kernel.run("1+1")) == {"text/plain": "2"}
    assert data(await kernel.run("x = None\nx")) == {"text/plain": ""}


async def test_output_is_captured(kernel: Kernel) -> None:
    # As Livy: the newline `print` ends with is dropped, others stay.
    assert data(await kernel.run('print("hi")')) == {"text/plain": "hi"}
    assert data(await kernel.run('print("a")\nprint("b")')) == {"text/plain": "a\nb"}


async def test_errors_come_back_as_livy_reports_them(kernel: Kernel) -> None:
    statement = await kernel.run("undefined_name + 1")
    assert statement.state is S.ERROR
    output = statement.output
    assert output is not None
    assert output.status == "error"
    assert output.execution_count == statement.id
    assert output.ename == "NameError"
    assert output.evalue == "name 'undefined_name' is not defined"
    assert output.traceback is not None
    assert output.traceback[0] == "Traceback (most recent call last):\n"
    assert output.traceback[-1] == "NameError: name 'undefined_name' is not defined\n"
    assert not any("kernel.py" in line for line in output.traceback)


async def test_spark_is_bound(kernel: Kernel) -> None:
    assert data(await kernel.run("spark.range(10).count()")) == {"text/plain": "10"}
    assert data(await kernel.run("sc.parallelize([1, 2, 3]).sum()")) == {"text/plain": "6"}
    assert data(await kernel.run("sqlContext.sql('SELECT 2').collect()[0][0]")) == {
        "text/plain": "2"
    }


async def test_sql_statements_return_schema_and_rows(kernel: Kernel) -> None:
    result = data(await kernel.run("SELECT 1 AS a", kind="sql"))
    table = result["application/json"]
    assert table["data"] == [[1]]
    assert table["schema"]["type"] == "struct"
    assert [field["name"] for field in table["schema"]["fields"]] == ["a"]
    assert table["schema"]["fields"][0]["type"] == "integer"
    assert "|  a|" in result["text/plain"]


async def test_magics(kernel: Kernel) -> None:
    assert data(await kernel.run('%json {"a": 1}')) == {"application/json": {"a": 1}}
    rows = "rows = [{'name': 'x', 'n': 1}, {'name': 'y', 'n': 2}]\n%table rows"
    assert data(await kernel.run(rows)) == {
        "application/vnd.livy.table.v1+json": {
            "headers": [
                {"name": "name", "type": "STRING_TYPE"},
                {"name": "n", "type": "INT_TYPE"},
            ],
            "data": [["x", 1], ["y", 2]],
        }
    }
    matplot = await kernel.run("%matplot None")
    assert matplot.state is S.ERROR
    assert matplot.output is not None and "matplotlib" in (matplot.output.evalue or "")


async def test_a_huge_output_is_cut(kernel: Kernel) -> None:
    text = data(await kernel.run('print("x" * 3_000_000)'))["text/plain"]
    assert text.startswith("xxx")
    assert "[output truncated: " in text
    assert len(text) < 1_000_000


async def test_progress_is_reported_while_jobs_run(kernel: Kernel) -> None:
    statement = await kernel.submit(
        "import time\nsc.parallelize(range(6), 6).map(lambda x: time.sleep(2) or x).count()"
    )
    partial = await kernel.wait(
        statement, lambda s: 0 < s.progress < 1 or s.state.is_finished, "some progress"
    )
    assert partial.state is S.RUNNING
    assert 0 < partial.progress < 1
    finished = await kernel.finished(statement)
    assert data(finished) == {"text/plain": "6"}
    assert finished.progress == 1.0


async def test_a_sleeping_statement_is_cancelled_and_the_kernel_stays_usable(
    kernel: Kernel,
) -> None:
    statement = await kernel.submit("import time\ntime.sleep(600)")
    await kernel.wait(statement, lambda s: s.state is S.RUNNING, "the sleep to start")
    assert await kernel.session_state() is A.BUSY
    await asyncio.sleep(1.0)  # inside time.sleep by now
    await kernel.cancel(statement)
    cancelled = await kernel.finished(statement)
    assert cancelled.state is S.CANCELLED
    assert data(await kernel.run("40 + 2")) == {"text/plain": "42"}
    assert await kernel.session_state() is A.IDLE


async def test_a_spark_job_is_cancelled(kernel: Kernel) -> None:
    statement = await kernel.submit('spark.range(10**12).selectExpr("sum(id % 10)").collect()')
    await kernel.wait(statement, lambda s: s.state is S.RUNNING, "the job to start")
    await asyncio.sleep(3.0)  # the job is running in the JVM by now
    await kernel.cancel(statement)
    cancelled = await kernel.finished(statement)
    assert cancelled.state is S.CANCELLED
    assert data(await kernel.run("spark.range(5).count()")) == {"text/plain": "5"}


async def test_statements_run_in_order_one_at_a_time(kernel: Kernel) -> None:
    code = "order = globals().get('order', []) + [{}]"
    submitted = [await kernel.submit(code.format(n)) for n in range(5)]
    for statement in submitted:
        await kernel.finished(statement)
    assert data(await kernel.run("order")) == {"text/plain": "[0, 1, 2, 3, 4]"}


async def test_a_result_survives_a_restart_of_the_endpoint(kernel: Kernel) -> None:
    statement = await kernel.submit("import time\ntime.sleep(2)\n'done'")
    await kernel.wait(statement, lambda s: s.state is S.RUNNING, "the statement to start")
    await kernel.endpoint.stop()
    await asyncio.sleep(5.0)  # the result is ready while nobody listens
    await kernel.endpoint.start()
    assert data(await kernel.finished(statement)) == {"text/plain": "'done'"}
    assert data(await kernel.run("'still here'")) == {"text/plain": "'still here'"}


def scala_error(statement: Statement) -> StatementOutput:
    assert statement.state is S.ERROR, statement
    assert statement.output is not None and statement.output.ename == "Error", statement
    return statement.output


async def test_scala_runs_in_the_same_spark_session(kernel: Kernel) -> None:
    text = data(await kernel.run("1 + 1", kind="spark"))["text/plain"]
    assert re.fullmatch(r"res\d+: Int = 2\n", text), text
    await kernel.run("spark.range(3).createOrReplaceTempView('from_python')")
    counted = data(await kernel.run('spark.table("from_python").count()', kind="spark"))
    assert re.fullmatch(r"res\d+: Long = 3\n", counted["text/plain"]), counted
    defined = 'spark.range(4).toDF("n").createOrReplaceTempView("from_scala")'
    await kernel.run(defined, kind="spark")
    assert data(await kernel.run("spark.table('from_scala').count()")) == {"text/plain": "4"}
    rows = data(await kernel.run("SELECT count(*) AS n FROM from_scala", kind="sql"))
    assert rows["application/json"]["data"] == [[4]]


async def test_scala_output_closures_and_case_classes(kernel: Kernel) -> None:
    printed = data(await kernel.run('println("hello from scala")', kind="spark"))
    assert printed == {"text/plain": "hello from scala\n"}
    summed = data(await kernel.run("sc.parallelize(1 to 10).map(_ * 2).sum", kind="spark"))
    assert "= 110.0" in summed["text/plain"], summed
    code = "case class Point(x: Int)\nSeq(Point(1), Point(2)).toDS().map(_.x + 1).collect().toList"
    mapped = data(await kernel.run(code, kind="spark"))
    assert "List(2, 3)" in mapped["text/plain"], mapped


async def test_scala_errors_come_back_as_livy_reports_them(kernel: Kernel) -> None:
    compile_error = scala_error(await kernel.run('val x: Int = "a"', kind="spark"))
    assert "type mismatch" in (compile_error.evalue or ""), compile_error
    thrown = scala_error(await kernel.run("1 / 0", kind="spark"))
    assert thrown.evalue == "java.lang.ArithmeticException: / by zero", thrown
    incomplete = scala_error(await kernel.run("def f(", kind="spark"))
    assert incomplete.evalue == "incomplete statement"
    assert data(await kernel.run("40 + 2", kind="spark"))["text/plain"].endswith("= 42\n")


async def test_a_sleeping_scala_statement_is_cancelled_and_scala_stays_usable(
    kernel: Kernel,
) -> None:
    statement = await kernel.submit("Thread.sleep(600000)", kind="spark")
    await kernel.wait(statement, lambda s: s.state is S.RUNNING, "the sleep to start")
    await asyncio.sleep(1.0)
    await kernel.cancel(statement)
    assert (await kernel.finished(statement)).state is S.CANCELLED
    assert data(await kernel.run("21 * 2", kind="spark"))["text/plain"].endswith("= 42\n")


async def test_a_scala_job_reports_progress(kernel: Kernel) -> None:
    code = "sc.parallelize(1 to 6, 6).map { x => Thread.sleep(2000); x }.count()"
    statement = await kernel.submit(code, kind="spark")
    partial = await kernel.wait(
        statement, lambda s: 0 < s.progress < 1 or s.state.is_finished, "some progress"
    )
    assert partial.state is S.RUNNING
    finished = await kernel.finished(statement)
    assert data(finished)["text/plain"].endswith(": Long = 6\n")
    assert finished.progress == 1.0


async def test_a_scala_spark_job_is_cancelled(kernel: Kernel) -> None:
    code = "sc.parallelize(1 to 4, 2).map { x => Thread.sleep(600000); x }.count()"
    statement = await kernel.submit(code, kind="spark")
    await kernel.wait(statement, lambda s: s.state is S.RUNNING, "the job to start")
    await asyncio.sleep(5.0)  # compiled, and its job running in the JVM by now
    await kernel.cancel(statement)
    assert (await kernel.finished(statement)).state is S.CANCELLED
    counted = data(await kernel.run("spark.range(5).count()", kind="spark"))
    assert counted["text/plain"].endswith(": Long = 5\n")


async def complete(kernel: Kernel, code: str, kind: str, cursor: int | None = None) -> list[str]:
    asked = Completion(code=code, kind=kind, cursor=len(code) if cursor is None else cursor)
    await kernel.store.update_application(kernel.session.id, {"completion": asked})
    kernel.dispatcher.ring(kernel.session.id)
    deadline = time.monotonic() + STATEMENT_TIMEOUT
    while time.monotonic() < deadline:
        session = await kernel.store.get_application(kernel.session.id)
        assert session is not None and session.completion is not None
        if session.completion.candidates is not None:
            return session.completion.candidates
        await asyncio.sleep(0.1)
    raise AssertionError(f"no completion; kernel log:\n{kernel.log_tail()}")


async def test_completion_offers_python_names_and_attributes(kernel: Kernel) -> None:
    await kernel.run("my_numbers = [1, 2]")
    assert "my_numbers" in await complete(kernel, "x = my_nu", "pyspark")
    assert "spark" in await complete(kernel, "spa", "pyspark")
    assert "range" in await complete(kernel, "spark.ran", "pyspark")
    assert await complete(kernel, "spark.ran + 1", "pyspark", cursor=9) == ["range"]
    assert await complete(kernel, "", "pyspark") == []


async def test_completion_offers_scala_members(kernel: Kernel) -> None:
    assert "range" in await complete(kernel, "spark.ran", "spark")
    assert "sparkContext" in await complete(kernel, "spark.sparkCon", "spark")


async def test_the_kernel_exits_cleanly_when_the_session_ends(kernel: Kernel) -> None:
    await kernel.store.update_application(kernel.session.id, {"state": A.KILLED})
    code = await asyncio.wait_for(kernel.process.wait(), 90)
    assert code == 0, kernel.log_tail()
    assert "stopping Spark" in kernel.log_tail()
