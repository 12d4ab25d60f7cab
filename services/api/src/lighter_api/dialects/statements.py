"""A statement's fields as both dialects show them (Livy's shape); each dialect picks its state."""

from typing import Any

from lighter_common.domain.statement import Statement
from lighter_common.domain.states import StatementState

from lighter_api.dialects.timestamps import epoch_millis


def statement_body(statement: Statement, *, state: StatementState) -> dict[str, Any]:
    output = (
        statement.output.model_dump(by_alias=False, exclude_none=True)
        if statement.output is not None
        else None
    )
    return {
        "id": statement.id,
        "code": statement.code,
        "kind": statement.kind,
        "state": state.value,
        "output": output,
        "progress": 1.0 if statement.state.is_finished else statement.progress,
        "started": epoch_millis(statement.started_at) or 0,
        "completed": epoch_millis(statement.completed_at) or 0,
    }
