"""The executor: runs one statement at a time in the main thread, in the language its kind
names, and turns what happens into the statement's result; and a statement's progress, read
from Spark's status tracker."""

from __future__ import annotations

import io
import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from typing import Any

from .board import Finished, Statement, StatementBoard
from .kinds import PYTHON_KINDS, SCALA_KIND, SQL_KIND
from .outputs import Evaluation, cancelled, error_output, exception_output, ok_output
from .python_code import PythonInterpreter
from .scala import ScalaError, ScalaInterpreter
from .sql import SqlInterpreter

logger = logging.getLogger("lighter.kernel")


class UnsupportedKind(Exception):
    pass


class Executor:
    """Runs one statement at a time in the main thread and turns what happens into an output.

    A cancel cancels the Spark job group the statement's jobs run in, and interrupts its
    code: Python with SIGINT (our handler raises KeyboardInterrupt only while user code runs
    and a cancel or a shutdown was asked for), Scala by interrupting its JVM thread.
    """

    def __init__(
        self,
        python: PythonInterpreter,
        sql: SqlInterpreter,
        scala: ScalaInterpreter,
        board: StatementBoard,
        spark_context: Any,
        session_kind: str,
        stopping: threading.Event,
    ) -> None:
        self._python = python
        self._sql = sql
        self._scala = scala
        self._board = board
        self._sc = spark_context
        self._session_kind = session_kind
        self._stopping = stopping
        self._main_thread = threading.main_thread().ident
        self._interruptible = False
        self._running_kind: str | None = None

    def install_signal_handler(self) -> None:
        signal.signal(signal.SIGINT, self._on_sigint)

    def interrupt(self, statement: Statement) -> None:
        """From another thread: stop the statement's Spark jobs and its code."""
        try:
            # Jobs its code starts after this are cancelled too: a cancel that falls between
            # two jobs of a query must not let the second one run.
            self._sc._jsc.sc().cancelJobGroupAndFutureJobs(statement.job_group)
        except Exception:
            logger.exception("could not cancel the job group of statement %s", statement.id)
        if self._running_kind == SCALA_KIND:
            # A signal would abandon the py4j call half-way; the JVM thread stops instead.
            self._scala.interrupt()
        elif self._main_thread is not None:
            signal.pthread_kill(self._main_thread, signal.SIGINT)

    def run(self, statement: Statement) -> Finished:
        filename = f"<statement-{statement.id}>"
        kind = statement.kind or self._session_kind
        logger.info("statement %s (%s) starts", statement.id, kind)
        stdout, stderr = io.StringIO(), io.StringIO()
        try:
            self._sc.setJobGroup(
                statement.job_group, f"Lighter statement {statement.id}", interruptOnCancel=True
            )
            with redirect_stdout(stdout), redirect_stderr(stderr), self._user_code(kind):
                evaluation = self._evaluate(kind, statement.code, filename)
        except BaseException as error:
            if self._board.is_cancelled(statement.id) or self._stopping.is_set():
                return cancelled(statement.id)
            if isinstance(error, ScalaError):
                output = error_output(statement.id, "Error", error.evalue, error.trace)
                return Finished(statement.id, "error", output)
            return Finished(statement.id, "error", exception_output(statement.id, error, filename))
        if self._board.is_cancelled(statement.id):
            return cancelled(statement.id)
        text = stdout.getvalue() + stderr.getvalue()
        data = dict(evaluation.data)
        if evaluation.echo is not None:
            text += evaluation.echo
        if "text/plain" in data:
            data["text/plain"] = text + data["text/plain"]
        elif text or not data:
            data["text/plain"] = text
        if kind in PYTHON_KINDS and data.get("text/plain", "").endswith("\n"):
            # Livy's Python output drops the newline `print` ends with: `a`, not `a\n`.
            data["text/plain"] = data["text/plain"][:-1]
        return Finished(statement.id, "available", ok_output(statement.id, data))

    def _evaluate(self, kind: str, code: str, filename: str) -> Evaluation:
        if kind == SQL_KIND:
            return self._sql.run(code)
        if kind in PYTHON_KINDS:
            return self._python.run(code, filename)
        if kind == SCALA_KIND:
            return self._scala.run(code)
        raise UnsupportedKind(f"this kernel runs pyspark, spark and sql statements, not {kind!r}")

    @contextmanager
    def _user_code(self, kind: str) -> Iterator[None]:
        self._interruptible = kind != SCALA_KIND
        self._running_kind = kind
        try:
            yield
        finally:
            self._interruptible = False
            self._running_kind = None

    def _on_sigint(self, signum: int, frame: Any) -> None:
        if not self._interruptible:
            return
        running = self._board.running
        if self._stopping.is_set() or (running and self._board.is_cancelled(running.id)):
            raise KeyboardInterrupt


def job_group_progress(sc: Any, job_group: str) -> float:
    """Completed tasks over all tasks of the group's jobs, from Spark's status tracker."""
    tracker = sc.statusTracker()
    total = completed = 0
    for job_id in tracker.getJobIdsForGroup(job_group):
        job = tracker.getJobInfo(job_id)
        if job is None:
            continue
        for stage_id in job.stageIds:
            stage = tracker.getStageInfo(stage_id)
            if stage is not None:
                total += stage.numTasks
                completed += stage.numCompletedTasks
    return round(completed / total, 4) if total else 0.0
