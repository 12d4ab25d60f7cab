"""Livy's output shapes: what a statement's result carries (`ok`, or `error` with ename,
evalue and traceback), and what every language's run gives back before it becomes one."""

from __future__ import annotations

import json
import traceback
from dataclasses import dataclass, field
from typing import Any

from .board import Finished

# The kernel's own errors, and those statements define (in `__main__`), are named without a
# module, as when the kernel was one file run as `__main__`.
_PACKAGE = __name__.rpartition(".")[0]


@dataclass
class Evaluation:
    data: dict[str, Any] = field(default_factory=dict)
    echo: str | None = None


def ok_output(statement_id: int, data: dict[str, Any]) -> dict[str, Any]:
    return {"status": "ok", "execution_count": statement_id, "data": data}


def error_output(
    statement_id: int, ename: str, evalue: str, trace: list[str] | None = None
) -> dict[str, Any]:
    return {
        "status": "error",
        "execution_count": statement_id,
        "ename": ename,
        "evalue": evalue,
        "traceback": trace or [],
    }


def exception_output(statement_id: int, error: BaseException, filename: str) -> dict[str, Any]:
    """The error as Livy reports it, its trace starting at the statement's own code."""
    frames = traceback.extract_tb(error.__traceback__)
    for index, frame in enumerate(frames):
        if frame.filename == filename:
            frames = traceback.StackSummary.from_list(frames[index:])
            break
    else:
        frames = traceback.StackSummary.from_list([])
    trace = ["Traceback (most recent call last):\n", *frames.format()] if frames else []
    module = type(error).__module__
    if module == "__main__" or module.startswith(f"{_PACKAGE}."):
        trace.append(f"{type(error).__name__}: {error}\n")
    else:
        trace += traceback.format_exception_only(type(error), error)
    return error_output(statement_id, type(error).__name__, str(error), trace)


def within_size(finished: Finished, max_bytes: int) -> Finished:
    """The result, its text cut (or, for other outputs, an error) when over `max_bytes`."""
    size = len(json.dumps(finished.output, default=str).encode())
    if size <= max_bytes:
        return finished
    data = finished.output.get("data") or {}
    if finished.state == "available" and set(data) == {"text/plain"}:
        note = f"\n[output truncated: {size} bytes are over the limit of {max_bytes}]"
        # Half the limit in raw bytes: JSON escapes can make the text grow again.
        text = data["text/plain"].encode()[: max_bytes // 2].decode(errors="ignore")
        output = ok_output(finished.statement_id, {"text/plain": text + note})
        return Finished(finished.statement_id, finished.state, output)
    why = f"the output is {size} bytes, over the limit of {max_bytes}; show less of it"
    output = error_output(finished.statement_id, "OutputTooLarge", why)
    return Finished(finished.statement_id, "error", output)


def cancelled(statement_id: int) -> Finished:
    output = error_output(statement_id, "Cancelled", f"statement {statement_id} was cancelled")
    return Finished(statement_id, "cancelled", output)
