import io
import socket
import time

import pytest
from lighter_common.backends.spark_launcher import (
    ENV_PORT,
    ENV_SECRET,
    JavaObject,
    JavaObjectReader,
    LauncherListener,
    UnsupportedStream,
)

from tests.harness.fake_spark import launcher_stream

PROTOCOL = "org.apache.spark.launcher.LauncherProtocol$"


def read_all(data: bytes) -> list[object]:
    reader = JavaObjectReader(io.BytesIO(data))
    objects = []
    while True:
        try:
            objects.append(reader.read_object())
        except EOFError:
            return objects


def test_a_recorded_spark_driver_stream_reads_as_its_messages() -> None:
    objects = read_all(launcher_stream("s3cret", "local-1795858196929"))

    assert objects == [
        JavaObject(PROTOCOL + "Hello", {"secret": "s3cret", "sparkVersion": "4.3.0"}),
        JavaObject(PROTOCOL + "SetAppId", {"appId": "local-1795858196929"}),
        JavaObject(PROTOCOL + "SetState", {"state": "RUNNING"}),
        JavaObject(PROTOCOL + "SetState", {"state": "FINISHED"}),
    ]


def test_anything_but_a_java_stream_is_refused() -> None:
    with pytest.raises(UnsupportedStream):
        JavaObjectReader(io.BytesIO(b"GET / HTTP/1.1\r\n"))


def test_an_unknown_type_code_is_refused() -> None:
    reader = JavaObjectReader(io.BytesIO(b"\xac\xed\x00\x05\x7b"))
    with pytest.raises(UnsupportedStream):
        reader.read_object()


def send(listener: LauncherListener, data: bytes) -> None:
    with socket.create_connection(("127.0.0.1", int(listener.env[ENV_PORT]))) as connection:
        connection.sendall(data)


def wait_for(reported: list[str], count: int) -> None:
    deadline = time.monotonic() + 10
    while len(reported) < count and time.monotonic() < deadline:
        time.sleep(0.01)


def test_the_listener_reports_the_id_of_a_driver_with_the_secret() -> None:
    reported: list[str] = []
    listener = LauncherListener(reported.append)
    try:
        send(listener, launcher_stream("wrong", "local-1"))
        send(listener, launcher_stream(listener.env[ENV_SECRET], "local-2"))
        wait_for(reported, 1)
    finally:
        listener.close()

    assert reported == ["local-2"]


def test_a_second_spark_context_reports_its_own_id() -> None:
    reported: list[str] = []
    listener = LauncherListener(reported.append)
    try:
        send(listener, b"not java at all")
        send(listener, launcher_stream(listener.env[ENV_SECRET], "local-1"))
        send(listener, launcher_stream(listener.env[ENV_SECRET], "local-2"))
        wait_for(reported, 2)
    finally:
        listener.close()

    assert sorted(reported) == ["local-1", "local-2"]
