"""Reading Kubernetes' protobuf answers: the pod's uid on a create, a Status on a refusal.

The API server's own answers are read in tests/kubernetes/test_native_submit.py; here the
encoding's corners, with messages built field by field.
"""

import pytest
from lighter_common.backends.kubernetes.protobuf_answer import (
    MAGIC,
    NotProtobuf,
    object_uid,
    status_as_json,
)


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def field(number: int, value: bytes | int) -> bytes:
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    return varint(number << 3 | 2) + varint(len(value)) + value


def answer(obj: bytes) -> bytes:
    type_meta = field(1, b"v1") + field(2, b"Pod")
    return MAGIC + field(1, type_meta) + field(2, obj) + field(3, b"") + field(4, b"")


def test_the_uid_is_read_among_fields_of_every_wire_type() -> None:
    fixed64 = varint(9 << 3 | 1) + (7).to_bytes(8, "little")
    fixed32 = varint(10 << 3 | 5) + (7).to_bytes(4, "little")
    metadata = (
        field(1, b"driver")
        + field(3, b"spark")
        + field(5, b"0f6b1c1e-uid")
        + field(7, 300)  # generation: a varint of two bytes
        + fixed64
        + fixed32
    )
    spec = field(1, field(1, b"x" * 200))  # a length over one varint byte
    assert object_uid(answer(field(2, spec) + field(1, metadata))) == "0f6b1c1e-uid"


def test_a_refusal_reads_as_the_status_json_the_server_would_send() -> None:
    refusal = field(2, b"Failure") + field(3, b'Pod "p" is invalid') + field(4, b"Invalid")
    assert status_as_json(answer(field(1, b"") + refusal + field(6, 422))) == {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": 'Pod "p" is invalid',
        "reason": "Invalid",
        "code": 422,
    }


@pytest.mark.parametrize(
    "data",
    [
        b'{"kind": "Pod"}',  # JSON: the server ignored the Accept header
        MAGIC + field(1, b"v1"),  # no object
        answer(field(1, field(1, b"driver"))),  # no uid
        answer(field(1, varint(5 << 3 | 2) + varint(50) + b"short")),  # truncated
        answer(varint(1 << 3 | 3)),  # a group: never in Kubernetes' messages
        answer(b"\xff\xff"),  # a varint cut short
    ],
)
def test_anything_else_is_refused_not_misread(data: bytes) -> None:
    with pytest.raises(NotProtobuf):
        object_uid(data)
