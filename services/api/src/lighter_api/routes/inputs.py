"""What both dialects read from requests the same way: paging, idempotency keys, statements."""

from typing import Annotated, Any

from fastapi import Header, Path, Query
from pydantic import BaseModel, ConfigDict

from lighter_api import idempotency
from lighter_api.applications import Resource

# The stores keep 64-bit integers: a number past them names nothing and is a 400, not a
# failure deep in a database driver.
MAX_INTEGER = 2**63 - 1

Offset = Annotated[int, Query(alias="from", ge=0, le=MAX_INTEGER)]
Size = Annotated[int, Query(ge=0, le=10_000)]
LogOffset = Annotated[int | None, Query(alias="from", ge=0, le=MAX_INTEGER)]
LogSize = Annotated[int | None, Query(ge=0, le=MAX_INTEGER)]
LivySessionId = Annotated[int, Path(alias="session_id", ge=0, le=MAX_INTEGER)]
StatementId = Annotated[int, Path(alias="statement_id", ge=0, le=MAX_INTEGER)]
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


def livy_id(resource: Resource) -> Any:
    """A Livy application id in the path: a non-negative 64-bit integer."""
    return Path(alias=id_parameter(resource), ge=0, le=MAX_INTEGER)


def id_parameter(resource: Resource) -> str:
    """session_id, batch_id: an application's path parameter, as a 400 names it."""
    return f"{resource.noun.lower()}_id"
