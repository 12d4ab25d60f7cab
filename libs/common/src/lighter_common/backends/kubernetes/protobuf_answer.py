"""The few fields Lighter reads from an answer in Kubernetes' protobuf encoding. Pure.

The API server encodes an answer in protobuf far more cheaply than in JSON, and the client
then reads a few bytes instead of parsing a whole object. An answer is the 4-byte magic
`k8s\\0`, then a `runtime.Unknown` whose field 2 holds the object's own message. Field
numbers are the ones of k8s.io/api's generated.proto, fixed by its compatibility rules:
an object's `metadata` is field 1 and `ObjectMeta.uid` field 5; a `Status` carries
`message` (3), `reason` (4) and `code` (6).
"""

from collections.abc import Iterator
from typing import Any

PROTOBUF = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"

_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5
_UNKNOWN_RAW = 2
_OBJECT_METADATA = 1
_META_UID = 5
_STATUS_MESSAGE, _STATUS_REASON, _STATUS_CODE = 3, 4, 6


class NotProtobuf(ValueError):
    """The answer is not an object in Kubernetes' protobuf encoding."""


def object_uid(answer: bytes) -> str:
    """`metadata.uid` of the object `answer` holds."""
    metadata = _field(_object(answer), _OBJECT_METADATA)
    uid = _field(metadata, _META_UID) if metadata is not None else None
    if not uid:
        raise NotProtobuf("the object has no metadata.uid")
    return uid.decode()


def status_as_json(answer: bytes) -> dict[str, Any]:
    """A `Status` answer (an error's) as the JSON the API server would have sent."""
    fields = dict(_fields(_object(answer)))
    found: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "status": "Failure"}
    for key, number in (("message", _STATUS_MESSAGE), ("reason", _STATUS_REASON)):
        value = fields.get(number)
        if isinstance(value, bytes):
            found[key] = value.decode(errors="replace")
    code = fields.get(_STATUS_CODE)
    if isinstance(code, int):
        found["code"] = code
    return found


def _object(answer: bytes) -> bytes:
    if not answer.startswith(MAGIC):
        raise NotProtobuf(f"no protobuf magic: {answer[:40]!r}")
    raw = _field(answer[len(MAGIC) :], _UNKNOWN_RAW)
    if raw is None:
        raise NotProtobuf("no object in the answer")
    return raw


def _field(message: bytes, number: int) -> bytes | None:
    for found, value in _fields(message):
        if found == number and isinstance(value, bytes):
            return value
    return None


def _fields(message: bytes) -> Iterator[tuple[int, bytes | int]]:
    """(field number, value) of each field: bytes for length-delimited ones, else an int."""
    at = 0
    while at < len(message):
        key, at = _varint(message, at)
        number, wire_type = key >> 3, key & 7
        if wire_type == _VARINT:
            value, at = _varint(message, at)
            yield number, value
        elif wire_type == _LEN:
            length, at = _varint(message, at)
            if at + length > len(message):
                raise NotProtobuf("a field runs past the end of its message")
            yield number, message[at : at + length]
            at += length
        elif wire_type in (_I64, _I32):
            width = 8 if wire_type == _I64 else 4
            yield number, int.from_bytes(message[at : at + width], "little")
            at += width
        else:
            raise NotProtobuf(f"wire type {wire_type} of field {number}")


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data):
            raise NotProtobuf("a varint runs past the end of its message")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at
        shift += 7
