"""A stand-in Spark installation whose `spark-submit` runs the main file as a plain Python script.

Tests of process handling (launch races, kills, zombies, environments) need drivers that
start in milliseconds. `fake_spark_home(dir)` writes `dir/bin/spark-submit`, which runs this
file: it skips spark-submit's options, reports an application id on Spark's launcher
protocol exactly as a Spark 4.3.0 driver does (the bytes below were recorded from one), then
replaces itself with `python <main file> <args>`. `--conf lighter.fake.reportAppId=false`
keeps it silent, like a driver that never gets as far as a SparkContext.

Standard library only: it runs as the driver process.
"""

import os
import socket
import stat
import struct
import sys
import time
from pathlib import Path

SILENT_CONF = "lighter.fake.reportAppId=false"

# Recorded from spark-submit 4.3.0 (local mode): Hello(secret), SetAppId, SetState x2, with the
# secret and the application id cut out.
_HELLO = (
    b"\xac\xed\x00\x05sr\x000org.apache.spark.launcher.LauncherProtocol$Hello\x7fZ\xfa\xc8e"
    b"\x17\xb0\xcd\x02\x00\x02L\x00\x06secrett\x00\x12Ljava/lang/String;L\x00\x0csparkVersionq"
    b"\x00~\x00\x01xr\x002org.apache.spark.launcher.LauncherProtocol$Message\xba\x910iV\xca"
    b"\x885\x02\x00\x00xp"
)
_SET_APP_ID = (
    b"t\x00\x054.3.0sr\x003org.apache.spark.launcher.LauncherProtocol$SetAppId\x17\x86\xd3"
    b"\xa15\x82~H\x02\x00\x01L\x00\x05appIdq\x00~\x00\x01xq\x00~\x00\x02"
)
_SET_STATES = (
    b"sr\x003org.apache.spark.launcher.LauncherProtocol$SetState\xefu\x1f\xf3\x9f\xe4\xc9\x88"
    b"\x02\x00\x01L\x00\x05statet\x000Lorg/apache/spark/launcher/SparkAppHandle$State;xq\x00~"
    b"\x00\x02~r\x00.org.apache.spark.launcher.SparkAppHandle$State\x00\x00\x00\x00\x00\x00"
    b"\x00\x00\x12\x00\x00xr\x00\x0ejava.lang.Enum\x00\x00\x00\x00\x00\x00\x00\x00\x12\x00\x00"
    b"xpt\x00\x07RUNNINGsq\x00~\x00\t~q\x00~\x00\x0ct\x00\x08FINISHED"
)


def _java_string(text: str) -> bytes:
    data = text.encode()
    return b"t" + struct.pack(">H", len(data)) + data


def launcher_stream(secret: str, app_id: str) -> bytes:
    """What a Spark 4.3.0 driver writes to its launcher: hello, its id, RUNNING, FINISHED."""
    return _HELLO + _java_string(secret) + _SET_APP_ID + _java_string(app_id) + _SET_STATES


def fake_spark_home(root: Path) -> Path:
    submit = root / "bin" / "spark-submit"
    submit.parent.mkdir(parents=True, exist_ok=True)
    submit.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{Path(__file__).resolve()}" "$@"\n')
    submit.chmod(submit.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return root


def _report_app_id() -> None:
    port, secret = os.environ.get("_SPARK_LAUNCHER_PORT"), os.environ.get("_SPARK_LAUNCHER_SECRET")
    if not port or not secret:
        return
    app_id = f"local-{int(time.time() * 1000)}"
    with socket.create_connection(("127.0.0.1", int(port))) as connection:
        connection.sendall(launcher_stream(secret, app_id))
    print(f"fake spark-submit: reported {app_id}", flush=True)


def main(argv: list[str]) -> None:
    confs, index = [], 0
    while index < len(argv) and argv[index].startswith("--"):
        if argv[index] == "--conf":
            confs.append(argv[index + 1])
        index += 2
    main_file, args = argv[index], argv[index + 1 :]
    if SILENT_CONF not in confs:
        _report_app_id()
    os.execv(sys.executable, [sys.executable, main_file, *args])


if __name__ == "__main__":
    main(sys.argv[1:])
