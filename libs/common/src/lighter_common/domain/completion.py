"""A completion request: code and a cursor, answered by the session's kernel with candidates.

It is kept on the session's document (`Application.completion`), not as a statement: it gets
no statement id, does not make the session busy and is never listed. A session keeps only its
newest request (an editor asks again at every keystroke, and only the last answer matters);
the kernel finds it in its next poll and posts the candidates back to the same document,
which is what makes the round trip work whichever replicas the API call and the kernel's
poll reach.
"""

import uuid
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from lighter_common.domain.states import ApplicationState

# A request older than this is no longer handed to a kernel: its caller has stopped waiting.
COMPLETION_TTL = timedelta(seconds=30)
MAX_CANDIDATES = 1000
# A session in these states has a kernel polling for work, so a request gets an answer.
ANSWERING_STATES = frozenset({ApplicationState.IDLE, ApplicationState.BUSY})


class Completion(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    code: str
    kind: str  # the statement kind it completes: pyspark, python, spark or sql
    cursor: int
    requested_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    candidates: list[str] | None = None  # None until the kernel answers

    def waiting(self, now: datetime) -> bool:
        """Not answered yet, and its caller may still be waiting."""
        return self.candidates is None and now - self.requested_at < COMPLETION_TTL


def completion_problem(code: str, cursor: int) -> str | None:
    """Why `cursor` cannot point into `code`, or None when it can."""
    if 0 <= cursor <= len(code):
        return None
    return f"Field 'cursor' must be between 0 and the length of 'code' ({len(code)}), not {cursor}"
