"""What a Spark driver's log says about it: its application id, its UI, why it failed. Pure.

Spark 4 does not log the application id at its default level in local mode, so the local
backend turns event logging on: the writer's "Logging events to …" line names the id
(`…/eventlog_v2_<id>/events_1_<id>.zstd` when rolling, `…/<id>.inprogress` otherwise).
"""

import re
from dataclasses import dataclass

_EVENT_LOG = re.compile(
    r"Logging events to \S*?(?:/eventlog_v2_(?P<rolling>[^/\s]+)|/(?P<single>[^/.\s]+)"
    r"[^/\s]*\.inprogress)"
)
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

    spark_app_id: str | None = None
    spark_ui_url: str | None = None
    ui_port: str | None = None
    driver_host: str | None = None

    @property
    def complete(self) -> bool:
        return self.spark_app_id is not None and self.spark_ui_url is not None

    def read_line(self, line: str) -> None:
        if self.spark_app_id is None and (event_log := _EVENT_LOG.search(line)):
            self.spark_app_id = event_log.group("rolling") or event_log.group("single")
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
