"""The Lighter kernel: the main program of a session's Spark driver.

spark-submit runs this file (standard library and pyspark only) with:
  LIGHTER_KERNEL_URL          base URL of the service serving /kernel/sessions/...
  LIGHTER_SESSION_ID          the session's id
  LIGHTER_KERNEL_SECRET_FILE  a file holding the secret sent as `Authorization: Bearer <secret>`
                              (Kubernetes: a Secret mounted into this pod only), or else
  LIGHTER_KERNEL_SECRET       the secret itself (the local backend)
  LIGHTER_SESSION_GENERATION  which driver of the session this is (an integer)
  LIGHTER_SESSION_KIND        pyspark | python | spark | sql | shared: the session's kind
and optionally LIGHTER_KERNEL_UNREACHABLE_TIMEOUT (seconds, default 600),
LIGHTER_SQL_MAX_ROWS (default 1000) and LIGHTER_KERNEL_MAX_OUTPUT_BYTES (default 1000000).

Every session runs Python (`pyspark`), Scala (`spark`) and SQL statements against the same
SparkSession, so temporary views and cached data are shared; the endpoint gives each
statement the language it runs in.

Scala runs in this driver's own JVM: the kernel drives the Scala REPL (`IMain`, Scala 2.13,
from the spark-repl and scala-compiler jars pyspark ships) over py4j, the way spark-shell
and Livy drive it from the JVM side. The alternatives were a second JVM (a spark-shell
child), which cannot share this SparkSession, and a Scala bridge class shipped as a jar,
which breaks the one-file kernel. The price is the compiler's start-up: measured with
`local[1]` on a loaded 2-core machine, about 18 s to initialise the compiler and 10 s more
for the first line, then about 1-5 s a statement. So the REPL starts on first use, except in
`spark` sessions, which start it before their first poll (the session turns idle when Scala
is ready, as Livy's does). Output is Livy's: the REPL's echo (`res0: Int = 2`, Scala 2.12's
form, which clients such as sparklyr read) after what the code printed; errors are
`ename: Error`, `evalue` the first line that says what went wrong, `traceback` the rest.

Completion requests come with the polls (see the endpoint); each is answered from its own
thread: Python from the statements' namespace (rlcompleter), Scala from the REPL's
completer, which waits for running Scala code.

Statements run in the main thread, so that a SIGINT interrupts any Python code, even a
`time.sleep`. Two background threads talk to the endpoint: the poller long-polls for
statements and cancels (every poll is also the heartbeat), the reporter posts progress and
results, retrying a result until the endpoint takes it. The kernel exits cleanly, stopping
Spark, when the endpoint says the session is over (404/410), and with an error when the
endpoint stays unreachable for too long.
"""

from __future__ import annotations

import ast
import base64
import builtins
import collections
import datetime
import decimal
import faulthandler
import http.client
import io
import itertools
import json
import linecache
import logging
import math
import os
import queue
import re
import rlcompleter
import signal
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger("lighter.kernel")

POLL_HTTP_TIMEOUT = 90.0  # above any sensible server-side long-poll timeout
REQUEST_HTTP_TIMEOUT = 30.0
PROGRESS_INTERVAL = 1.0
CANCEL_POLL_PAUSE = 1.0  # between polls that only repeat a cancel already acted on
STOP_GRACE = 60.0  # how long user code may ignore being interrupted at shutdown
PYTHON_KINDS = frozenset({"pyspark", "python"})
SCALA_KIND = "spark"
REPL_CLASS_DIR = "spark.repl.class.outputDir"
SQL_KIND = "sql"
COMPLETION_WAIT = 5.0  # how long a Scala completion waits for running Scala code
# The word being typed: a name, or names joined by dots (`spark.ra`).
PYTHON_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*$")
SCALA_CONTINUATIONS = (
    ".",
    "}",
    ")",
    "]",
    "else",
    "catch",
    "finally",
    "with",
    "extends",
    "//",
    "/*",
)
SCALA_VAL_ECHO = re.compile(r"^(?:val|var) (?=[^\s:]+: )", re.MULTILINE)
TABLE_MIME = "application/vnd.livy.table.v1+json"


# ---------------------------------------------------------------------------------------------
# Configuration and the endpoint


@dataclass(frozen=True)
class Config:
    url: str
    session_id: str
    secret: str
    generation: int
    session_kind: str
    unreachable_timeout: float
    sql_max_rows: int
    max_output_bytes: int

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Config:
        return cls(
            url=env["LIGHTER_KERNEL_URL"].rstrip("/"),
            session_id=env["LIGHTER_SESSION_ID"],
            secret=kernel_secret(env),
            generation=int(env.get("LIGHTER_SESSION_GENERATION", "0")),
            session_kind=env.get("LIGHTER_SESSION_KIND", "pyspark") or "pyspark",
            unreachable_timeout=float(env.get("LIGHTER_KERNEL_UNREACHABLE_TIMEOUT", "600")),
            sql_max_rows=int(env.get("LIGHTER_SQL_MAX_ROWS", "1000")),
            max_output_bytes=int(env.get("LIGHTER_KERNEL_MAX_OUTPUT_BYTES", "1000000")),
        )


def kernel_secret(env: dict[str, str]) -> str:
    """The secret from the file LIGHTER_KERNEL_SECRET_FILE names, else LIGHTER_KERNEL_SECRET.

    A file, because a pod's environment is part of its spec, which other drivers may read.
    """
    path = env.get("LIGHTER_KERNEL_SECRET_FILE")
    if path:
        with open(path, encoding="utf-8") as file:
            return file.read().strip()
    return env["LIGHTER_KERNEL_SECRET"]


class SessionOver(Exception):
    """The endpoint no longer knows this driver: the session ended or was replaced."""


class Rejected(Exception):
    """The endpoint refused a request for good (a wrong secret, a malformed request)."""


class Unavailable(Exception):
    """The endpoint could not be reached, or failed; worth trying again."""


class Endpoint:
    """The session-manager's kernel endpoint, as this driver's session sees it."""

    def __init__(self, config: Config) -> None:
        self._base = f"{config.url}/kernel/sessions/{config.session_id}"
        self._headers = {
            "Authorization": f"Bearer {config.secret}",
            "Content-Type": "application/json",
        }
        self._generation = config.generation
        self._last_contact = time.monotonic()
        self._lock = threading.Lock()

    def silent_for(self) -> float:
        """Seconds since the endpoint last answered."""
        with self._lock:
            return time.monotonic() - self._last_contact

    def poll(self, *, busy: bool, app_id: str | None, ui_url: str | None) -> dict[str, Any]:
        body = {"busy": busy, "appId": app_id, "sparkUiUrl": ui_url}
        return self._post("/poll", body, POLL_HTTP_TIMEOUT)

    def progress(self, statement_id: int, progress: float) -> None:
        self._post(f"/statements/{statement_id}/progress", {"progress": progress})

    def result(self, statement_id: int, state: str, output: dict[str, Any]) -> None:
        self._post(f"/statements/{statement_id}/result", {"state": state, "output": output})

    def completion(self, completion_id: str, candidates: list[str]) -> None:
        self._post(f"/completions/{completion_id}", {"candidates": candidates})

    def _post(
        self, path: str, body: dict[str, Any], timeout: float = REQUEST_HTTP_TIMEOUT
    ) -> dict[str, Any]:
        data = json.dumps({"generation": self._generation, **body}).encode()
        request = urllib.request.Request(
            self._base + path, data=data, headers=self._headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                text = response.read()
        except urllib.error.HTTPError as error:
            self._contacted()
            if error.code in (404, 410):
                raise SessionOver(f"{error.code} on {path}") from error
            if error.code >= 500 or error.code == 429:
                raise Unavailable(f"{error.code} on {path}") from error
            raise Rejected(f"{error.code} on {path}: {error.read()[:500]!r}") from error
        except (OSError, http.client.HTTPException) as error:
            raise Unavailable(f"{type(error).__name__}: {error}") from error
        self._contacted()
        return json.loads(text) if text else {}

    def _contacted(self) -> None:
        with self._lock:
            self._last_contact = time.monotonic()


# ---------------------------------------------------------------------------------------------
# Statements in hand


@dataclass
class Statement:
    id: int
    code: str
    kind: str | None

    @property
    def job_group(self) -> str:
        return f"lighter-{self.id}"


@dataclass
class Finished:
    statement_id: int
    state: str  # available | error | cancelled
    output: dict[str, Any]


class StatementBoard:
    """The statements this driver holds, from receipt until their result is delivered.

    The driver is busy while it holds any: the endpoint hands out the next statement only
    when the previous one's result is in, so one runs at a time and none runs twice.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._pending: collections.deque[Statement] = collections.deque()
        self._seen: set[int] = set()
        self._held = 0
        self.running: Statement | None = None
        self.cancel_requested: set[int] = set()

    @property
    def busy(self) -> bool:
        with self._changed:
            return self._held > 0

    def receive(self, statement: Statement) -> bool:
        """Queue a statement; False when it was received before (a repeated delivery)."""
        with self._changed:
            if statement.id in self._seen:
                return False
            self._seen.add(statement.id)
            self._held += 1
            self._pending.append(statement)
            self._changed.notify_all()
            return True

    def take(self, timeout: float) -> Statement | None:
        """The next statement to run (it becomes `running`), or None after `timeout`."""
        with self._changed:
            if not self._pending:
                self._changed.wait(timeout)
            if not self._pending:
                return None
            self.running = self._pending.popleft()
            return self.running

    def finish_running(self) -> None:
        with self._changed:
            self.running = None

    def request_cancel(self, statement_id: int) -> str | None:
        """'running' or 'pending' when the statement is held and not yet cancelled, else None."""
        with self._changed:
            if statement_id in self.cancel_requested:
                return "running" if self._is_running(statement_id) else None
            if self._is_running(statement_id):
                self.cancel_requested.add(statement_id)
                return "running"
            for statement in self._pending:
                if statement.id == statement_id:
                    self._pending.remove(statement)
                    self.cancel_requested.add(statement_id)
                    return "pending"
            return None

    def is_cancelled(self, statement_id: int) -> bool:
        with self._changed:
            return statement_id in self.cancel_requested

    def delivered(self) -> None:
        with self._changed:
            self._held -= 1

    def _is_running(self, statement_id: int) -> bool:
        return self.running is not None and self.running.id == statement_id


# ---------------------------------------------------------------------------------------------
# Outputs: Livy's shapes


def ok_output(statement_id: int, data: dict[str, Any]) -> dict[str, Any]:
    return {"status": "ok", "execution_count": statement_id, "data": data}


def error_output(
    statement_id: int, ename: str, evalue: str, trace: list[str] | None = None
) -> dict[str, Any]:
    return {
        "status": "error",
        "execution_count": statement_id,
        "ename": ename,
        "evalue": evalue,
        "traceback": trace or [],
    }


def exception_output(statement_id: int, error: BaseException, filename: str) -> dict[str, Any]:
    """The error as Livy reports it, its trace starting at the statement's own code."""
    frames = traceback.extract_tb(error.__traceback__)
    for index, frame in enumerate(frames):
        if frame.filename == filename:
            frames = traceback.StackSummary.from_list(frames[index:])
            break
    else:
        frames = traceback.StackSummary.from_list([])
    trace = ["Traceback (most recent call last):\n", *frames.format()] if frames else []
    if type(error).__module__ == __name__:  # the kernel's own errors, named without a module
        trace.append(f"{type(error).__name__}: {error}\n")
    else:
        trace += traceback.format_exception_only(type(error), error)
    return error_output(statement_id, type(error).__name__, str(error), trace)


def json_value(value: Any) -> Any:
    """A value as JSON can carry it (dates and decimals as text, NaN as null)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal | datetime.date | datetime.time):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if hasattr(value, "asDict"):  # a Spark Row
        return {k: json_value(v) for k, v in value.asDict(recursive=True).items()}
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_value(v) for v in value]
    return str(value)


def text_table(columns: list[str], rows: list[list[Any]], truncated: bool) -> str:
    """Rows drawn as Spark's `show()` draws them."""
    cells = [[_cell_text(v) for v in row] for row in rows]
    widths = [
        max([3, len(name)] + [len(row[i]) for row in cells]) for i, name in enumerate(columns)
    ]
    rule = "+" + "+".join("-" * w for w in widths) + "+"
    lines = [
        rule,
        "|" + "|".join(n.rjust(w) for n, w in zip(columns, widths, strict=True)) + "|",
        rule,
    ]
    lines += [
        "|" + "|".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + "|" for row in cells
    ]
    lines.append(rule)
    if truncated:
        lines.append(f"only showing top {len(rows)} rows")
    return "\n".join(lines) + "\n"


def _cell_text(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(value).lower()
    text = str(value)
    return text if len(text) <= 20 else text[:17] + "..."


_TABLE_TYPES: list[tuple[type, str]] = [
    (bool, "BOOLEAN_TYPE"),
    (int, "INT_TYPE"),
    (float, "DOUBLE_TYPE"),
    (decimal.Decimal, "DECIMAL_TYPE"),
    (datetime.datetime, "TIMESTAMP_TYPE"),
    (datetime.date, "DATE_TYPE"),
    (str, "STRING_TYPE"),
    (list, "ARRAY_TYPE"),
    (tuple, "ARRAY_TYPE"),
    (dict, "MAP_TYPE"),
]


def _table_type(value: Any) -> str:
    if value is None:
        return "NULL_TYPE"
    for python_type, name in _TABLE_TYPES:
        if isinstance(value, python_type):
            return name
    return "STRING_TYPE"


def livy_table(value: Any, max_rows: int) -> dict[str, Any]:
    """`%table`: rows (sequences, dicts, Spark Rows or a DataFrame) as Livy's table."""
    if hasattr(value, "schema") and hasattr(value, "take"):  # a Spark DataFrame
        value = value.take(max_rows)
    rows = list(value) if isinstance(value, list | tuple) else [value]
    types: dict[Any, str] = {}
    keyed_rows: list[dict[Any, Any]] = []
    for row in rows:
        if hasattr(row, "asDict"):
            row = row.asDict(recursive=True)
        if isinstance(row, dict):
            keyed = dict(row)
        elif isinstance(row, list | tuple):
            keyed = dict(enumerate(row))
        else:
            keyed = {0: row}
        for key, cell in keyed.items():
            types[key] = _merged_type(types.get(key, "NULL_TYPE"), _table_type(cell))
        keyed_rows.append(keyed)
    keys = list(types)
    return {
        "headers": [{"name": str(key), "type": types[key]} for key in keys],
        "data": [[json_value(row.get(key)) for key in keys] for row in keyed_rows],
    }


def _merged_type(seen: str, new: str) -> str:
    if new in ("NULL_TYPE", seen):
        return seen
    if seen == "NULL_TYPE":
        return new
    if {seen, new} == {"INT_TYPE", "DOUBLE_TYPE"}:
        return "DOUBLE_TYPE"
    raise TypeError("table rows have different types")


def matplot_png(value: Any) -> str:
    """`%matplot`: a matplotlib figure (or the pyplot module) as base64 PNG."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        raise ImportError(
            "%matplot needs matplotlib, which is not installed on this driver"
        ) from error
    figure = value.gcf() if hasattr(value, "gcf") else value
    if not hasattr(figure, "savefig"):
        raise TypeError(f"%matplot needs a matplotlib figure, not {type(value).__name__}")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode()


# ---------------------------------------------------------------------------------------------
# Running code


class UnknownMagic(Exception):
    pass


class UnsupportedKind(Exception):
    pass


@dataclass
class Chunk:
    """Part of a statement: Python source, or one `%magic <expression>` line."""

    first_line: int  # 0-based, so errors point at the statement's own line numbers
    source: str
    magic: str | None = None


def split_chunks(code: str, filename: str) -> list[Chunk]:
    """Python, with lines starting with `%` taken as magics when the code is not Python."""
    try:
        ast.parse(code, filename)
        return [Chunk(0, code)]
    except SyntaxError:
        lines = code.split("\n")
        if not any(line.startswith("%") for line in lines):
            raise
    chunks: list[Chunk] = []
    start = 0
    block: list[str] = []
    for number, line in enumerate(lines):
        if line.startswith("%"):
            if any(text.strip() for text in block):
                chunks.append(Chunk(start, "\n".join(block)))
            name, _, argument = line[1:].partition(" ")
            chunks.append(Chunk(number, argument.strip(), magic=name.strip()))
            start, block = number + 1, []
        else:
            block.append(line)
    if any(text.strip() for text in block):
        chunks.append(Chunk(start, "\n".join(block)))
    return chunks


@dataclass
class Evaluation:
    data: dict[str, Any] = field(default_factory=dict)
    echo: str | None = None


class Interpreter:
    """Runs statements in the user namespace, in the calling (main) thread."""

    def __init__(self, namespace: dict[str, Any], spark: Any, sql_max_rows: int) -> None:
        self.namespace = namespace
        self._spark = spark
        self._sql_max_rows = sql_max_rows

    def run_python(self, code: str, filename: str) -> Evaluation:
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        result = Evaluation()
        for chunk in split_chunks(code, filename):
            if chunk.magic is None:
                result = self._python_chunk(chunk, filename)
            else:
                result = self._magic(chunk, filename)
        return result

    def run_sql(self, code: str) -> Evaluation:
        frame = self._spark.sql(code)
        rows = frame.take(self._sql_max_rows + 1)
        truncated = len(rows) > self._sql_max_rows
        rows = rows[: self._sql_max_rows]
        data = [[json_value(v) for v in row] for row in rows]
        text = text_table(list(frame.columns), data, truncated) if frame.columns else ""
        payload = {"schema": frame.schema.jsonValue(), "data": data}
        return Evaluation({"application/json": payload, "text/plain": text})

    def _python_chunk(self, chunk: Chunk, filename: str) -> Evaluation:
        source = "\n" * chunk.first_line + chunk.source
        tree = ast.parse(source, filename, "exec")
        last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        body = tree.body[:-1] if last is not None else tree.body
        exec(compile(ast.Module(body, type_ignores=[]), filename, "exec"), self.namespace)
        if last is None:
            return Evaluation()
        value = eval(compile(ast.Expression(last.value), filename, "eval"), self.namespace)
        return Evaluation(echo=None if value is None else repr(value))

    def _magic(self, chunk: Chunk, filename: str) -> Evaluation:
        handlers: dict[str, Callable[[Any], dict[str, Any]]] = {
            "json": self._json,
            "table": lambda value: {TABLE_MIME: livy_table(value, self._sql_max_rows)},
            "matplot": lambda value: {"image/png": matplot_png(value), "text/plain": ""},
        }
        handler = handlers.get(chunk.magic or "")
        if handler is None:
            raise UnknownMagic(f"unknown magic command '%{chunk.magic}'")
        if not chunk.source:
            raise SyntaxError(f"%{chunk.magic} needs an expression")
        source = "\n" * chunk.first_line + chunk.source
        value = eval(compile(source, filename, "eval"), self.namespace)
        return Evaluation(handler(value))

    @staticmethod
    def _json(value: Any) -> dict[str, Any]:
        json.dumps(value, allow_nan=False)  # raises for what JSON cannot carry
        return {"application/json": value}


def python_candidates(namespace: dict[str, Any], code: str, cursor: int) -> list[str]:
    """Names in the namespace (or attributes, after a dot) that complete the word at `cursor`."""
    match = PYTHON_WORD.search(code[:cursor])
    if match is None:
        return []
    word = match.group(0)
    completer = rlcompleter.Completer(namespace)
    names: list[str] = []
    for state in itertools.count():
        found = completer.complete(word, state)
        if found is None:
            return names
        # rlcompleter gives `spark.range(`: the name that replaces the word after the dot.
        name = found.rpartition(".")[2].rstrip("(: ")
        if name and name not in names:
            names.append(name)
    return names


# ---------------------------------------------------------------------------------------------
# Scala


class ScalaError(Exception):
    """Scala code that did not compile, was incomplete or threw: Livy's `Error` output."""

    def __init__(self, evalue: str, trace: list[str]) -> None:
        super().__init__(evalue)
        self.evalue = evalue
        self.trace = trace


class ScalaInterpreter:
    """The Scala REPL (`IMain`) in this driver's JVM, bound to the session's own SparkSession.

    Started on first use (at once for `spark` sessions). The kernel drives it over py4j from
    the main thread, whose pinned JVM thread runs the code: the Spark job group set from
    Python applies to it, and a cancel interrupts that JVM thread (never the Python call, so
    py4j's connection stays in step). REPL classes are written to `class_dir`, which the
    SparkContext serves to executors (`spark.repl.class.outputDir`, set before it starts).
    """

    # What spark-shell and Livy bring into scope; `spark` is the session PySpark created.
    PRELUDE = (
        "@transient val spark = org.apache.spark.sql.SparkSession.getDefaultSession.get\n"
        "@transient val sc = spark.sparkContext\n"
        "@transient val sqlContext = spark.sqlContext\n"
        "import org.apache.spark.SparkContext._\n"
        "import spark.implicits._\n"
        "import spark.sql\n"
        "import org.apache.spark.sql.functions._\n"
    )

    def __init__(self, spark: Any, class_dir: str) -> None:
        self._jvm = spark._jvm
        self._class_dir = class_dir
        self._lock = threading.RLock()  # IMain is not thread-safe: one run or completion
        self._intp: Any = None
        self._results: Any = None  # what the REPL prints: values, definitions, errors
        self._console: Any = None  # what the code prints
        self._thread: Any = None  # the JVM thread running code, while it runs
        self._thread_lock = threading.Lock()

    @property
    def started(self) -> bool:
        return self._intp is not None

    def start(self) -> None:
        with self._lock:
            if self._intp is not None:
                return
            began = time.monotonic()
            jvm = self._jvm
            settings = jvm.scala.tools.nsc.Settings()
            settings.processArgumentString(f"-Yrepl-class-based -Yrepl-outdir {self._class_dir}")
            settings.usejavacp().tryToSetFromPropertyValue("true")
            self._results = jvm.java.io.ByteArrayOutputStream()
            self._console = jvm.java.io.ByteArrayOutputStream()
            writer = jvm.java.io.PrintWriter(
                jvm.java.io.OutputStreamWriter(self._results, "UTF-8"), True
            )
            reporter = jvm.scala.tools.nsc.interpreter.shell.ReplReporterImpl(settings, writer)
            intp = jvm.scala.tools.nsc.interpreter.IMain(settings, reporter)
            if not intp.initializeCompiler():
                raise ScalaError("the Scala compiler did not start", [self._drain()[1]])
            self._intp = intp
            result, (_, reported) = self._interpret(self.PRELUDE)
            if result != "Success":
                self._intp = None
                raise ScalaError("the Scala interpreter could not bind spark", [reported])
            logger.info("Scala interpreter ready in %.1f s", time.monotonic() - began)

    def run(self, code: str) -> Evaluation:
        """Interpret `code`, one top-level statement after another, as Livy does: a case
        class is then defined before the next statement encodes it, and each value gets its
        `resN`. Its output as Livy shows it, or ScalaError at the first failing statement."""
        self.start()
        outputs: list[str] = []
        pending = ""
        with self._lock:
            for segment in scala_segments(code):
                source = f"{pending}\n{segment}" if pending else segment
                result, (printed, reported) = self._interpret(source)
                if result == "Incomplete":  # an unclosed brace: read on
                    pending = source
                    continue
                pending = ""
                if result != "Success":
                    raise ScalaError(*scala_error(printed + reported))
                outputs.append(printed + scala_results(reported))
        if pending:
            raise ScalaError("incomplete statement", [])
        return Evaluation({"text/plain": "".join(outputs)})

    def interrupt(self) -> None:
        """From another thread: interrupt the JVM thread while it runs the statement's code.

        Never while it compiles: an interrupt closes the compiler's open jar channels and
        breaks it for good. The kernel repeats a cancel until the statement ends, so code
        still compiling is interrupted once it runs.
        """
        with self._thread_lock:
            thread = self._thread
            if thread is None:
                return
            # REPL code runs in classes named `$lineN…`, called from near the stack's bottom.
            frames = thread.getStackTrace()
            for index in range(len(frames) - 1, -1, -1):
                if str(frames[index].getClassName()).startswith("$line"):
                    thread.interrupt()
                    return

    def complete(self, code: str, cursor: int) -> list[str]:
        """The REPL completer's candidates at `cursor`; none while code runs for long."""
        if not self._lock.acquire(timeout=COMPLETION_WAIT):
            return []
        try:
            self.start()
            shell = self._jvm.scala.tools.nsc.interpreter.shell
            completion = shell.ReplCompletion(self._intp, shell.Accumulator())
            found = completion.complete(code, cursor).candidates().iterator()
            names: list[str] = []
            while found.hasNext():
                name = str(found.next().name())
                if name and name not in names:
                    names.append(name)
            return names
        finally:
            self._lock.release()

    def _interpret(self, code: str) -> tuple[str, tuple[str, str]]:
        jvm = self._jvm
        self._capture_console()
        self._intp.setContextClassLoader()  # case classes and encoders find REPL classes
        with self._thread_lock:
            self._thread = jvm.java.lang.Thread.currentThread()
        try:
            result = str(self._intp.interpret(code).toString())
        finally:
            with self._thread_lock:
                self._thread = None
            jvm.java.lang.Thread.interrupted()  # an interrupt the code never saw ends here
        return result, self._drain()

    def _capture_console(self) -> None:
        # `println` writes to scala.Console.out, a per-thread variable: point it at our
        # buffer on the JVM thread that runs the code (Console.withOut needs a closure).
        jvm = self._jvm
        console = jvm.java.lang.Class.forName("scala.Console$")
        variable = console.getDeclaredField("outVar")
        variable.setAccessible(True)
        stream = jvm.java.io.PrintStream(self._console, True, "UTF-8")
        getattr(variable.get(console.getField("MODULE$").get(None)), "value_$eq")(stream)

    def _drain(self) -> tuple[str, str]:
        texts = []
        for buffer in (self._console, self._results):
            texts.append(str(buffer.toString("UTF-8")))
            buffer.reset()
        return texts[0], texts[1]


def scala_segments(code: str) -> list[str]:
    """Top-level statements, near enough: each unindented line starts one, unless it
    continues the one before (`.map(…)`, `}`, `else` …); lines of comments alone are none.
    A statement the split cuts short comes back Incomplete and is joined with the next."""
    segments: list[list[str]] = []
    for line in code.split("\n"):
        starts = line[:1] not in ("", " ", "\t") and not line.startswith(SCALA_CONTINUATIONS)
        if starts or not segments:
            segments.append([line])
        else:
            segments[-1].append(line)
    return [
        "\n".join(lines)
        for lines in segments
        if any(text.strip() and not text.lstrip().startswith("//") for text in lines)
    ]


def scala_results(reported: str) -> str:
    """The REPL's echo as Livy shows it: `res0: Int = 2` (Scala 2.13 writes `val res0: …`)."""
    return SCALA_VAL_ECHO.sub("", reported)


def scala_error(text: str) -> tuple[str, list[str]]:
    """Livy's Scala error: the first line that says what went wrong, then the rest."""
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.strip().strip("^").strip():
            return line.strip(), lines[index + 1 :]
    return "unknown error", []


class Executor:
    """Runs one statement at a time in the main thread and turns what happens into an output.

    A cancel cancels the Spark job group the statement's jobs run in, and interrupts its
    code: Python with SIGINT (our handler raises KeyboardInterrupt only while user code runs
    and a cancel or a shutdown was asked for), Scala by interrupting its JVM thread.
    """

    def __init__(
        self,
        interpreter: Interpreter,
        scala: ScalaInterpreter,
        board: StatementBoard,
        spark_context: Any,
        session_kind: str,
        stopping: threading.Event,
    ) -> None:
        self._interpreter = interpreter
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
            return self._interpreter.run_sql(code)
        if kind in PYTHON_KINDS:
            return self._interpreter.run_python(code, filename)
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


def within_size(finished: Finished, max_bytes: int) -> Finished:
    """The result, its text cut (or, for other outputs, an error) when over `max_bytes`."""
    size = len(json.dumps(finished.output, default=str).encode())
    if size <= max_bytes:
        return finished
    data = finished.output.get("data") or {}
    if finished.state == "available" and set(data) == {"text/plain"}:
        note = f"\n[output truncated: {size} bytes are over the limit of {max_bytes}]"
        # Half the limit in raw bytes: JSON escapes can make the text grow again.
        text = data["text/plain"].encode()[: max_bytes // 2].decode(errors="ignore")
        output = ok_output(finished.statement_id, {"text/plain": text + note})
        return Finished(finished.statement_id, finished.state, output)
    why = f"the output is {size} bytes, over the limit of {max_bytes}; show less of it"
    output = error_output(finished.statement_id, "OutputTooLarge", why)
    return Finished(finished.statement_id, "error", output)


def cancelled(statement_id: int) -> Finished:
    output = error_output(statement_id, "Cancelled", f"statement {statement_id} was cancelled")
    return Finished(statement_id, "cancelled", output)


# ---------------------------------------------------------------------------------------------
# The kernel


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
        self._interpreter = Interpreter(user_namespace(spark), spark, config.sql_max_rows)
        class_dir = self._sc.getConf().get(REPL_CLASS_DIR, None) or tempfile.mkdtemp()
        self._scala = ScalaInterpreter(spark, class_dir)
        self._executor = Executor(
            self._interpreter,
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
        candidates: list[str] = []
        try:
            if kind == SCALA_KIND:
                candidates = self._scala.complete(code, cursor)
            elif kind in PYTHON_KINDS:
                candidates = python_candidates(self._interpreter.namespace, code, cursor)
        except Exception:
            logger.exception("completion of %r failed", code[:200])
        try:
            self._endpoint.completion(str(item["id"]), candidates)
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


def user_namespace(spark: Any) -> dict[str, Any]:
    namespace: dict[str, Any] = {
        "__name__": "__main__",
        "__builtins__": builtins,
        "spark": spark,
        "sc": spark.sparkContext,
        "sqlContext": spark,
    }
    try:
        from pyspark.sql import SQLContext

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            namespace["sqlContext"] = SQLContext(spark.sparkContext, spark)
    except Exception:
        logger.info("SQLContext is not available; sqlContext is the SparkSession")
    return namespace


def configure_logging() -> None:
    # Bound to the real stderr: statements swap sys.stderr to capture their output.
    handler = logging.StreamHandler(sys.__stderr__)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def route_pyspark_warnings() -> None:
    """PySpark's own warnings (notices about its API) go to the driver log, not to the output.

    Clients read the printed output of `df.toJSON()` back line by line (sparkmagic's %%sql,
    pylivy's download), and PySpark warns about that very call.
    """
    show = warnings.showwarning
    marker = os.sep + "pyspark" + os.sep

    def showwarning(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        if file is None and marker in filename:
            file = sys.__stderr__
        show(message, category, filename, lineno, file, line)

    warnings.showwarning = showwarning


def main() -> int:
    configure_logging()
    # `kill -USR1 <pid>` prints every thread's stack: how to see where a driver is stuck.
    faulthandler.register(signal.SIGUSR1, file=sys.__stderr__ or sys.stderr, all_threads=True)
    route_pyspark_warnings()
    config = Config.from_env(dict(os.environ))
    from pyspark.sql import SparkSession

    # Set before the SparkContext starts, which then serves the Scala REPL's classes to
    # executors (`spark.repl.class.uri`).
    class_dir = tempfile.mkdtemp(prefix="lighter-repl-")
    spark = SparkSession.builder.config(REPL_CLASS_DIR, class_dir).getOrCreate()
    try:
        return Kernel(config, spark).run()
    finally:
        logger.info("stopping Spark")
        try:
            spark.stop()
        except Exception as error:  # the JVM may be gone already
            logger.warning("Spark did not stop cleanly: %s", error)


if __name__ == "__main__":
    sys.exit(main())
