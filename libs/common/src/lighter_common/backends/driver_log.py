"""What a Spark driver's log says about it: its UI and why it failed. Pure.

The application id is not here: Spark 4 logs it only through the event log, which is the
user's to turn on or off; the local backend hears it on Spark's launcher protocol instead.
"""

import re
from dataclasses import dataclass

_BOUND_UI = re.compile(r"Bound SparkUI to \S+, and started at (?P<url>https?://\S+)")
_UI_PORT = re.compile(r"Successfully started service 'SparkUI' on port (?P<port>\d+)")
_DRIVER_ADDRESS = re.compile(r"NettyBlockTransferService: Server created on (?P<host>\S+):\d+")
# "ValueError: …", "pyspark.errors.exceptions.captured.AnalysisException: …",
# "java.lang.OutOfMemoryError: …", spark-submit's "Error: …".
_EXCEPTION = re.compile(r"^(?:[A-Za-z_][\w$]*\.)*\w*(?:Error|Exception)\b(?::.*)?$")
_UNCAUGHT = re.compile(r"^Exception in thread ")
_ERROR_LOG = re.compile(r"^\S+ \S+ ERROR ")


@dataclass
class DriverLogFacts:
    """What has been read from a driver log so far; fed one line at a time."""

    spark_ui_url: str | None = None
    ui_port: str | None = None
    driver_host: str | None = None

    @property
    def complete(self) -> bool:
        return self.spark_ui_url is not None

    def read_line(self, line: str) -> None:
        if self.spark_ui_url is not None:
            return
        if bound := _BOUND_UI.search(line):
            self.spark_ui_url = bound.group("url")
        elif port := _UI_PORT.search(line):
            self.ui_port = port.group("port")
        elif address := _DRIVER_ADDRESS.search(line):
            self.driver_host = address.group("host")
        if self.spark_ui_url is None and self.ui_port and self.driver_host:
            self.spark_ui_url = f"http://{self.driver_host}:{self.ui_port}"


def last_error_line(log_tail: str) -> str | None:
    """The line that best says why the driver failed: its last exception, else last ERROR."""
    lines = [line.strip() for line in log_tail.splitlines()]
    for pattern in (_EXCEPTION, _UNCAUGHT, _ERROR_LOG):
        for line in reversed(lines):
            if pattern.search(line):
                return line
    return None
