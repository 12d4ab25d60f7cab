"""Statements as both dialects show them (Livy's shape; Lighter adds timestamps)."""

from typing import Any

from lighter_common.domain.statement import Statement

from lighter_api.dialects.timestamps import epoch_millis, lighter_time


def render_statement(statement: Statement, *, lighter: bool = False) -> dict[str, Any]:
    output = (
        statement.output.model_dump(by_alias=False, exclude_none=True)
        if statement.output is not None
        else None
    )
    body: dict[str, Any] = {
        "id": statement.id,
        "code": statement.code,
        "kind": statement.kind,
        "state": statement.state.value,
        "output": output,
        "progress": 1.0 if statement.state.is_finished else statement.progress,
        "started": epoch_millis(statement.started_at) or 0,
        "completed": epoch_millis(statement.completed_at) or 0,
    }
    if lighter:
        body["createdAt"] = lighter_time(statement.created_at)
    return body
