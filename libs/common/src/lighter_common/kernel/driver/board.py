"""The statements this driver holds, from receipt until their result is delivered."""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass
from typing import Any


@dataclass
class Statement:
    id: int
    code: str
    kind: str | None

    @property
    def job_group(self) -> str:
        return f"lighter-{self.id}"


@dataclass
class Finished:
    statement_id: int
    state: str  # available | error | cancelled
    output: dict[str, Any]


class StatementBoard:
    """The statements this driver holds, from receipt until their result is delivered.

    The driver is busy while it holds any: the endpoint hands out the next statement only
    when the previous one's result is in, so one runs at a time and none runs twice.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._pending: collections.deque[Statement] = collections.deque()
        self._seen: set[int] = set()
        self._held = 0
        self.running: Statement | None = None
        self.cancel_requested: set[int] = set()

    @property
    def busy(self) -> bool:
        with self._changed:
            return self._held > 0

    def receive(self, statement: Statement) -> bool:
        """Queue a statement; False when it was received before (a repeated delivery)."""
        with self._changed:
            if statement.id in self._seen:
                return False
            self._seen.add(statement.id)
            self._held += 1
            self._pending.append(statement)
            self._changed.notify_all()
            return True

    def take(self, timeout: float) -> Statement | None:
        """The next statement to run (it becomes `running`), or None after `timeout`."""
        with self._changed:
            if not self._pending:
                self._changed.wait(timeout)
            if not self._pending:
                return None
            self.running = self._pending.popleft()
            return self.running

    def finish_running(self) -> None:
        with self._changed:
            self.running = None

    def request_cancel(self, statement_id: int) -> str | None:
        """'running' or 'pending' when the statement is held and not yet cancelled, else None."""
        with self._changed:
            if statement_id in self.cancel_requested:
                return "running" if self._is_running(statement_id) else None
            if self._is_running(statement_id):
                self.cancel_requested.add(statement_id)
                return "running"
            for statement in self._pending:
                if statement.id == statement_id:
                    self._pending.remove(statement)
                    self.cancel_requested.add(statement_id)
                    return "pending"
            return None

    def is_cancelled(self, statement_id: int) -> bool:
        with self._changed:
            return statement_id in self.cancel_requested

    def delivered(self) -> None:
        with self._changed:
            self._held -= 1

    def _is_running(self, statement_id: int) -> bool:
        return self.running is not None and self.running.id == statement_id
