"""What both dialects read from requests the same way: paging, idempotency keys, statements."""

from typing import Annotated

from fastapi import Header, Query
from pydantic import BaseModel, ConfigDict

from lighter_api import idempotency
from lighter_api.applications import Resource

Offset = Annotated[int, Query(alias="from", ge=0)]
Size = Annotated[int, Query(ge=0, le=10_000)]
LogOffset = Annotated[int | None, Query(alias="from", ge=0)]
LogSize = Annotated[int | None, Query(ge=0)]
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(alias=idempotency.HEADER, min_length=1, max_length=idempotency.MAX_KEY_LENGTH),
]


class StatementRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    kind: str | None = None


class CompletionRequest(BaseModel):
    """Livy's completion request: complete `code` at `cursor` (default: its end)."""

    model_config = ConfigDict(extra="forbid")

    code: str
    kind: str | None = None
    cursor: int | None = None


def id_parameter(resource: Resource) -> str:
    """session_id, batch_id: an application's path parameter, as a 400 names it."""
    return f"{resource.noun.lower()}_id"
