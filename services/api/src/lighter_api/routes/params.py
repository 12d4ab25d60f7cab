"""What both dialects read from requests the same way: paging parameters, a statement's body."""

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict

Offset = Annotated[int, Query(alias="from", ge=0)]
Size = Annotated[int, Query(ge=0, le=10_000)]
LogOffset = Annotated[int | None, Query(alias="from", ge=0)]
LogSize = Annotated[int | None, Query(ge=0)]


class StatementRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    kind: str | None = None
