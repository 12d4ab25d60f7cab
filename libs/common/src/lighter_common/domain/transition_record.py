"""A transition record: one change of an application or a statement, as the log keeps it.

Every change a store makes to an application or a statement is appended to the log under the
unique key `<subject>:<sequence>` before the document is brought up to date. Inserting a
unique key is atomic on every server the project runs on, so whoever inserts sequence n+1
owns that change; the document is a cache of its log. The same records feed the event stream
and each application's lifecycle.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel


class SubjectKind(StrEnum):
    APPLICATION = "application"
    STATEMENT = "statement"


def statement_subject(session_id: str, statement_id: int) -> str:
    """The log subject of a statement; application ids never hold a '/'."""
    return f"{session_id}/{statement_id}"


def log_time(at: datetime) -> datetime:
    """A time as the log keeps it: to the millisecond, what every store keeps, so all order alike."""
    return at.replace(microsecond=at.microsecond - at.microsecond % 1000)


def record_id(subject: str, seq: int) -> str:
    return f"{subject}:{seq}"


class TransitionRecord(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    id: str = Field(alias="_id")
    subject: str
    kind: SubjectKind
    application_id: str  # the application, or the session a statement belongs to
    seq: int  # 1 for the first change after the document was created
    from_state: str | None
    to_state: str | None  # None when the state did not change
    reason: str | None = None
    changes: dict[str, Any]  # document keys and stored values, applied with a plain `set`
    at: datetime

    @field_validator("at")
    @classmethod
    def _as_the_log_keeps_it(cls, at: datetime) -> datetime:
        return log_time(at)
