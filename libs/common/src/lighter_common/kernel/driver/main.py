"""`main()`: a driver's life: logging, Spark, the Kernel until the session ends, Spark stopped.

The steps are kept apart for what comes next. Adoption: a warm driver from a pool would run
`start_spark()` first and only then learn its session (`Config`, see config.py), handed to
it later instead of read from its environment. Spark Connect: a server started inside this
driver would start beside the Kernel, on the SparkSession `start_spark()` returns, and stop
with it in `stop_spark()`.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import signal
import sys
import tempfile
import warnings
from typing import Any

from .config import Config
from .kernel import Kernel
from .scala import REPL_CLASS_DIR

logger = logging.getLogger("lighter.kernel")


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


def start_spark() -> Any:
    """The driver's SparkSession, which every language's statements share."""
    from pyspark.sql import SparkSession

    # Set before the SparkContext starts, which then serves the Scala REPL's classes to
    # executors (`spark.repl.class.uri`).
    class_dir = tempfile.mkdtemp(prefix="lighter-repl-")
    return SparkSession.builder.config(REPL_CLASS_DIR, class_dir).getOrCreate()


def stop_spark(spark: Any) -> None:
    logger.info("stopping Spark")
    try:
        spark.stop()
    except Exception as error:  # the JVM may be gone already
        logger.warning("Spark did not stop cleanly: %s", error)


def main() -> int:
    configure_logging()
    # `kill -USR1 <pid>` prints every thread's stack: how to see where a driver is stuck.
    faulthandler.register(signal.SIGUSR1, file=sys.__stderr__ or sys.stderr, all_threads=True)
    route_pyspark_warnings()
    config = Config.from_env(dict(os.environ))
    spark = start_spark()
    try:
        return Kernel(config, spark).run()
    finally:
        stop_spark(spark)
