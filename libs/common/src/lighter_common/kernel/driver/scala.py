"""Scala statements, run in this driver's own JVM by the Scala REPL over py4j.

The kernel drives the Scala REPL (`IMain`, Scala 2.13, from the spark-repl and scala-compiler
jars pyspark ships) over py4j, the way spark-shell and Livy drive it from the JVM side. The
alternatives were a second JVM (a spark-shell child), which cannot share this SparkSession,
and a Scala bridge class shipped as a jar, which breaks the pure-Python kernel. The price is
the compiler's start-up: measured with `local[1]` on a loaded 2-core machine, about 18 s to
initialise the compiler and 10 s more for the first line, then about 1-5 s a statement. So
the REPL starts on first use, except in `spark` sessions, which start it before their first
poll (the session turns idle when Scala is ready, as Livy's does). Output is Livy's: the
REPL's echo (`res0: Int = 2`, Scala 2.12's form, which clients such as sparklyr read) after
what the code printed; errors are `ename: Error`, `evalue` the first line that says what went
wrong, `traceback` the rest.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import Any

from .outputs import Evaluation

logger = logging.getLogger("lighter.kernel")

REPL_CLASS_DIR = "spark.repl.class.outputDir"
COMPLETION_WAIT = 5.0  # how long a Scala completion waits for running Scala code
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
