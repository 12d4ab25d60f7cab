"""The Kernel: the driver's main loop and the two threads that talk to the endpoint.

Statements run in the main thread, so that a SIGINT interrupts any Python code, even a
`time.sleep`. Two background threads talk to the endpoint: the poller long-polls for
statements, cancels and completion requests (every poll is also the heartbeat), the reporter
posts progress and results, retrying a result until the endpoint takes it. The kernel exits
cleanly, stopping Spark, when the endpoint says the session is over (404/410), and with an
error when the endpoint stays unreachable for too long.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import tempfile
import threading
from typing import Any

from .board import Finished, Statement, StatementBoard
from .channel import Endpoint, Rejected, SessionOver, Unavailable
from .completion import candidates
from .config import Config
from .executor import Executor, job_group_progress
from .kinds import SCALA_KIND
from .outputs import cancelled, error_output, within_size
from .python_code import PythonInterpreter, user_namespace
from .scala import REPL_CLASS_DIR, ScalaInterpreter
from .sql import SqlInterpreter

logger = logging.getLogger("lighter.kernel")

PROGRESS_INTERVAL = 1.0
CANCEL_POLL_PAUSE = 1.0  # between polls that only repeat a cancel already acted on
STOP_GRACE = 60.0  # how long user code may ignore being interrupted at shutdown


class Kernel:
    def __init__(self, config: Config, spark: Any) -> None:
        self._config = config
        self._spark = spark
        self._sc = spark.sparkContext
        self._endpoint = Endpoint(config)
        self._board = StatementBoard()
        self._results: queue.Queue[Finished] = queue.Queue()
        self._stopping = threading.Event()
        self._exit_code = 0
        self._python = PythonInterpreter(user_namespace(spark), config.sql_max_rows)
        class_dir = self._sc.getConf().get(REPL_CLASS_DIR, None) or tempfile.mkdtemp()
        self._scala = ScalaInterpreter(spark, class_dir)
        self._executor = Executor(
            self._python,
            SqlInterpreter(spark, config.sql_max_rows),
            self._scala,
            self._board,
            self._sc,
            config.session_kind,
            self._stopping,
        )
        self._completions_seen: set[str] = set()

    def run(self) -> int:
        """Serve statements until the session ends; returns the process exit code."""
        self._executor.install_signal_handler()
        signal.signal(signal.SIGTERM, lambda signum, frame: self.stop(143, "terminated"))
        if self._config.session_kind == SCALA_KIND:
            # Before the first poll, so that the session is idle once Scala can run (Livy).
            self._start_scala()
        threads = (
            (self._poll_loop, "lighter-poll"),
            (self._report_loop, "lighter-report"),
            (self._watch_jvm, "lighter-jvm-watch"),
        )
        for target, name in threads:
            threading.Thread(target=target, name=name, daemon=True).start()
        logger.info("kernel ready for session %s", self._config.session_id)
        while not self._stopping.is_set():
            statement = self._board.take(timeout=0.5)
            if statement is None:
                continue
            try:
                finished = self._executor.run(statement)
            finally:
                self._board.finish_running()
            self._results.put(finished)
        return self._exit_code

    def _start_scala(self) -> None:
        try:
            self._scala.start()
        except Exception:
            # Scala statements will report why; Python and SQL ones still run.
            logger.exception("the Scala interpreter did not start")

    def stop(self, exit_code: int, why: str) -> None:
        if self._stopping.is_set():
            return
        (logger.info if exit_code == 0 else logger.error)("kernel stopping: %s", why)
        self._exit_code = exit_code
        self._stopping.set()
        running = self._board.running
        if running is not None:
            self._executor.interrupt(running)
        deadline = threading.Timer(STOP_GRACE, os._exit, args=(exit_code,))
        deadline.daemon = True
        deadline.start()

    def _watch_jvm(self) -> None:
        """spark-submit's JVM is this process's parent: without it there is no driver left."""
        parent = os.getppid()
        while not self._stopping.wait(1.0):
            if os.getppid() != parent:
                self.stop(1, "the driver's JVM is gone")
                return

    # The poller ------------------------------------------------------------------------------

    def _poll_loop(self) -> None:
        delay = 0.5
        # Read once: they never change, and polling must go on without the JVM (killed under
        # this process), so that the endpoint can tell an orphaned kernel to exit.
        app_id, ui_url = self._sc.applicationId, self._sc.uiWebUrl
        while not self._stopping.is_set():
            try:
                reply = self._endpoint.poll(busy=self._board.busy, app_id=app_id, ui_url=ui_url)
            except SessionOver as error:
                self.stop(0, f"the session is over ({error})")
                return
            except Rejected as error:
                self.stop(1, f"the endpoint refused this kernel: {error}")
                return
            except Unavailable as error:
                if self._gave_up_on_endpoint(f"polling failed: {error}"):
                    return
                self._stopping.wait(delay)
                delay = min(delay * 2, 5.0)
                continue
            except Exception:
                logger.exception("poll failed")
                self._stopping.wait(delay)
                continue
            delay = 0.5
            received = self._receive(reply)
            repeated = reply.get("cancel") or reply.get("statements") or reply.get("completions")
            if not received and repeated:
                # Only repeats of what this kernel already acts on: do not spin.
                self._stopping.wait(CANCEL_POLL_PAUSE)

    def _receive(self, reply: dict[str, Any]) -> int:
        received = 0
        for item in reply.get("statements") or []:
            statement = Statement(int(item["id"]), str(item["code"]), item.get("kind"))
            if self._board.receive(statement):
                received += 1
        for statement_id in reply.get("cancel") or []:
            self._cancel(int(statement_id))
        for item in reply.get("completions") or []:
            if str(item["id"]) in self._completions_seen:
                continue
            self._completions_seen.add(str(item["id"]))
            received += 1
            # Off the poller: a Scala completion may wait for the interpreter.
            threading.Thread(
                target=self._complete, args=(item,), name="lighter-complete", daemon=True
            ).start()
        return received

    def _complete(self, item: dict[str, Any]) -> None:
        code, cursor = str(item["code"]), int(item["cursor"])
        kind = item.get("kind") or self._config.session_kind
        found: list[str] = []
        try:
            found = candidates(
                kind, code, cursor, namespace=self._python.namespace, scala=self._scala
            )
        except Exception:
            logger.exception("completion of %r failed", code[:200])
        try:
            self._endpoint.completion(str(item["id"]), found)
        except (Unavailable, Rejected, SessionOver) as error:
            logger.warning("completion not delivered: %s", error)

    def _cancel(self, statement_id: int) -> None:
        where = self._board.request_cancel(statement_id)
        logger.info("cancel of statement %s asked for: %s", statement_id, where or "not held")
        if where == "pending":
            self._results.put(cancelled(statement_id))
        elif where == "running" and self._board.running is not None:
            # Asked again while still running: interrupt again (new jobs, swallowed signals).
            try:
                self._executor.interrupt(self._board.running)
            except Exception:  # the poller must go on, and the cancel will be asked again
                logger.exception("could not interrupt statement %s", statement_id)

    def _gave_up_on_endpoint(self, why: str) -> bool:
        if self._endpoint.silent_for() > self._config.unreachable_timeout:
            self.stop(1, f"the endpoint was unreachable for too long; last: {why}")
            return True
        logger.warning("%s; retrying", why)
        return False

    # The reporter ----------------------------------------------------------------------------

    def _report_loop(self) -> None:
        last_progress: tuple[int, float] | None = None
        while not self._stopping.is_set():
            try:
                finished = self._results.get(timeout=PROGRESS_INTERVAL)
            except queue.Empty:
                last_progress = self._post_progress(last_progress)
                continue
            if self._deliver(finished):
                self._board.delivered()

    def _deliver(self, finished: Finished) -> bool:
        finished = within_size(finished, self._config.max_output_bytes)
        delay = 0.5
        while not self._stopping.is_set():
            try:
                self._endpoint.result(finished.statement_id, finished.state, finished.output)
                return True
            except SessionOver as error:
                self.stop(0, f"the session is over ({error})")
            except Rejected as error:
                logger.error("result of statement %s refused: %s", finished.statement_id, error)
                if finished.output.get("ename") == "OutputRejected":
                    return True
                # Still tell the session what happened, or the statement would stay running.
                why = f"Lighter refused the statement's result: {error}"
                finished = Finished(
                    finished.statement_id,
                    "error",
                    error_output(finished.statement_id, "OutputRejected", why),
                )
            except Unavailable as error:
                if self._gave_up_on_endpoint(f"posting a result failed: {error}"):
                    return False
                self._stopping.wait(delay)
                delay = min(delay * 2, 10.0)
        return False

    def _post_progress(self, last: tuple[int, float] | None) -> tuple[int, float] | None:
        running = self._board.running
        if running is None:
            return last
        try:
            progress = job_group_progress(self._sc, running.job_group)
            if last != (running.id, progress):
                self._endpoint.progress(running.id, progress)
            return (running.id, progress)
        except (Unavailable, Rejected, SessionOver) as error:
            logger.debug("progress not posted: %s", error)
        except Exception:
            logger.exception("could not read the progress of statement %s", running.id)
        return last
