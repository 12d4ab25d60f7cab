"""Reading a Server-Sent Events stream the way a browser's EventSource does."""

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Message:
    id: str | None
    data: dict[str, Any] | None  # None for a comment
    comment: str | None = None


def messages(response: httpx.Response) -> Iterator[Message]:
    """Each event and comment of the stream, as it arrives."""
    fields: dict[str, str] = {}
    for line in response.iter_lines():
        if line.startswith(":"):
            yield Message(id=None, data=None, comment=line[1:].strip())
        elif line == "":
            if "data" in fields:
                yield Message(id=fields.get("id"), data=json.loads(fields["data"]))
            fields = {}
        else:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")


def collect(
    response: httpx.Response, until: Callable[[list[Message]], bool], timeout: float = 60.0
) -> list[Message]:
    """Events (not comments) until `until(events)` holds; fails past `timeout`."""
    deadline = time.monotonic() + timeout
    events: list[Message] = []
    for message in messages(response):
        if message.data is not None:
            events.append(message)
            if until(events):
                return events
        if time.monotonic() > deadline:
            break
    raise AssertionError(f"the stream ended or timed out; events so far: {events}")
