"""The listening end of Spark's launcher protocol: how a driver says its application id.

Every Spark driver whose environment names a launcher port and secret
(`_SPARK_LAUNCHER_PORT`, `_SPARK_LAUNCHER_SECRET`, as `SparkLauncher` sets them) connects
to that port on the loopback interface as soon as its scheduler starts, and sends
Java-serialized messages: `Hello(secret, sparkVersion)`, `SetAppId(appId)`, then
`SetState(state)` on each change. It does so whatever the event-log and UI settings are
(Spark 4 logs the id nowhere at INFO, nor at DEBUG, without the event log), which is why the
local backend learns the id here rather than from a log line.

Only the small part of Java serialization those messages use is read (objects of
serializable classes with primitive and object fields, strings, enums, back references);
anything else ends the connection. Standard library only: the supervisor runs this in every
driver.
"""

import contextlib
import hmac
import secrets
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

ENV_PORT = "_SPARK_LAUNCHER_PORT"
ENV_SECRET = "_SPARK_LAUNCHER_SECRET"
_PROTOCOL = "org.apache.spark.launcher.LauncherProtocol$"

_MAGIC = b"\xac\xed\x00\x05"
_TC_NULL, _TC_REFERENCE, _TC_CLASSDESC, _TC_OBJECT, _TC_STRING = 0x70, 0x71, 0x72, 0x73, 0x74
_TC_BLOCKDATA, _TC_ENDBLOCKDATA, _TC_RESET, _TC_ENUM = 0x77, 0x78, 0x79, 0x7E
_FIRST_HANDLE = 0x7E0000
_HELLO_TIMEOUT_SECONDS = 30.0
_SC_WRITE_METHOD, _SC_SERIALIZABLE = 0x01, 0x02
_PRIMITIVES = {
    "B": ">b",
    "C": ">H",
    "D": ">d",
    "F": ">f",
    "I": ">i",
    "J": ">q",
    "S": ">h",
    "Z": ">?",
}


class UnsupportedStream(Exception):
    """The stream holds something the launcher protocol never sends."""


@dataclass
class JavaObject:
    class_name: str
    fields: dict[str, object] = field(default_factory=dict)


@dataclass
class _ClassDesc:
    name: str
    flags: int
    fields: list[tuple[str, str]]  # (type code, name)
    parent: "_ClassDesc | None"


class JavaObjectReader:
    """Reads top-level objects, one per `read_object` call, from a Java serialization stream."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._handles: list[object] = []
        if self._read(4) != _MAGIC:
            raise UnsupportedStream("not a Java serialization stream")

    def read_object(self) -> object:
        """The next object; EOFError at the end of the stream."""
        while True:
            tag = self._read(1)[0]
            if tag == _TC_RESET:
                self._handles.clear()
            elif tag == _TC_BLOCKDATA:
                self._read(self._read(1)[0])
            else:
                return self._content(tag)

    def _read(self, size: int) -> bytes:
        data = self._stream.read(size)
        if len(data) < size:
            raise EOFError("the stream ended")
        return data

    def _unpack(self, fmt: str) -> object:
        return struct.unpack(fmt, self._read(struct.calcsize(fmt)))[0]

    def _utf(self) -> str:
        (length,) = struct.unpack(">H", self._read(2))
        return self._read(length).decode("utf-8", errors="replace")

    def _new_handle(self, value: object) -> int:
        self._handles.append(value)
        return len(self._handles) - 1

    def _content(self, tag: int) -> object:
        if tag == _TC_NULL:
            return None
        if tag == _TC_REFERENCE:
            (handle,) = struct.unpack(">i", self._read(4))
            index = handle - _FIRST_HANDLE
            if not 0 <= index < len(self._handles):
                raise UnsupportedStream(f"unknown handle {handle:#x}")
            return self._handles[index]
        if tag == _TC_STRING:
            text = self._utf()
            self._new_handle(text)
            return text
        if tag == _TC_CLASSDESC:
            return self._class_desc_body()
        if tag == _TC_OBJECT:
            return self._object()
        if tag == _TC_ENUM:
            self._class_desc()
            slot = self._new_handle(None)
            name = self._content(self._read(1)[0])
            self._handles[slot] = name
            return name
        raise UnsupportedStream(f"unsupported type code {tag:#x}")

    def _class_desc(self) -> _ClassDesc | None:
        desc = self._content(self._read(1)[0])
        if desc is not None and not isinstance(desc, _ClassDesc):
            raise UnsupportedStream("expected a class description")
        return desc

    def _class_desc_body(self) -> _ClassDesc:
        name = self._utf()
        self._read(8)  # serialVersionUID
        desc = _ClassDesc(name, 0, [], None)
        self._new_handle(desc)
        desc.flags = self._read(1)[0]
        (count,) = struct.unpack(">h", self._read(2))
        for _ in range(count):
            code = chr(self._read(1)[0])
            field_name = self._utf()
            if code in ("L", "["):
                self._content(self._read(1)[0])  # the field's class name
            elif code not in _PRIMITIVES:
                raise UnsupportedStream(f"unknown field type {code!r}")
            desc.fields.append((code, field_name))
        self._skip_annotation()
        desc.parent = self._class_desc()
        return desc

    def _object(self) -> JavaObject:
        desc = self._class_desc()
        if desc is None:
            raise UnsupportedStream("an object without a class")
        obj = JavaObject(desc.name)
        self._new_handle(obj)
        hierarchy = []
        current: _ClassDesc | None = desc
        while current is not None:
            hierarchy.append(current)
            current = current.parent
        for cls in reversed(hierarchy):
            if not cls.flags & _SC_SERIALIZABLE:
                raise UnsupportedStream(f"{cls.name} is not plainly serializable")
            for code, field_name in cls.fields:
                if code in _PRIMITIVES:
                    obj.fields[field_name] = self._unpack(_PRIMITIVES[code])
                else:
                    obj.fields[field_name] = self._content(self._read(1)[0])
            if cls.flags & _SC_WRITE_METHOD:
                self._skip_annotation()
        return obj

    def _skip_annotation(self) -> None:
        while (tag := self._read(1)[0]) != _TC_ENDBLOCKDATA:
            if tag == _TC_BLOCKDATA:
                self._read(self._read(1)[0])
            else:
                self._content(tag)


class LauncherListener:
    """Accepts drivers' launcher connections on the loopback interface, in a daemon thread.

    `env` is what the driver's environment needs to call here; each application id a driver
    that presented the secret reports goes to `on_app_id` (states are read and ignored: the
    process's exit says how it ended).
    """

    def __init__(self, on_app_id: Callable[[str], None]) -> None:
        self._on_app_id = on_app_id
        self._secret = secrets.token_hex(16)
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._thread = threading.Thread(target=self._accept, name="spark-launcher", daemon=True)
        self._thread.start()

    @property
    def env(self) -> dict[str, str]:
        return {ENV_PORT: str(self._socket.getsockname()[1]), ENV_SECRET: self._secret}

    def close(self) -> None:
        self._socket.close()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with (
            connection,
            connection.makefile("rb") as stream,
            contextlib.suppress(EOFError, OSError, UnsupportedStream, struct.error),
        ):
            connection.settimeout(_HELLO_TIMEOUT_SECONDS)
            reader = JavaObjectReader(stream)
            hello = reader.read_object()
            if not (
                isinstance(hello, JavaObject)
                and hello.class_name == _PROTOCOL + "Hello"
                and hmac.compare_digest(str(hello.fields.get("secret", "")), self._secret)
            ):
                return
            connection.settimeout(None)  # a driver stays connected while its context lives
            while True:
                message = reader.read_object()
                if isinstance(message, JavaObject) and message.class_name == _PROTOCOL + "SetAppId":
                    app_id = message.fields.get("appId")
                    if isinstance(app_id, str) and app_id:
                        self._on_app_id(app_id)
