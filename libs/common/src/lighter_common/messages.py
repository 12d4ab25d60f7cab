"""Commands carried by the bus. Each names a document; the document is the truth."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter

SUBMITTER_QUEUE = "lighter.submitter"
TRACKER_QUEUE = "lighter.tracker"
SESSION_MANAGER_QUEUE = "lighter.session-manager"
QUEUES = (SUBMITTER_QUEUE, TRACKER_QUEUE, SESSION_MANAGER_QUEUE)


class LaunchApplication(BaseModel):
    """An application was created (or freed capacity): the submitter should schedule."""

    type: Literal["launch"] = "launch"
    app_id: str


class KillApplication(BaseModel):
    """A client deleted an application: stop its Spark app."""

    type: Literal["kill"] = "kill"
    app_id: str


class TrackApplication(BaseModel):
    """An application was launched or touched: the tracker should look at it now."""

    type: Literal["track"] = "track"
    app_id: str


class StatementSubmitted(BaseModel):
    type: Literal["statement"] = "statement"
    session_id: str
    statement_id: int


class CancelStatement(BaseModel):
    type: Literal["cancel_statement"] = "cancel_statement"
    session_id: str
    statement_id: int


class CompletionRequested(BaseModel):
    """A client asked the session's kernel for completions (kept on the session's document)."""

    type: Literal["completion"] = "completion"
    session_id: str


class SessionFinished(BaseModel):
    """A session reached a final state: settle its statements, revive it if permanent."""

    type: Literal["session_finished"] = "session_finished"
    session_id: str


Command = Annotated[
    LaunchApplication
    | KillApplication
    | TrackApplication
    | StatementSubmitted
    | CancelStatement
    | CompletionRequested
    | SessionFinished,
    Field(discriminator="type"),
]

_COMMAND = TypeAdapter[Command](Command)


def encode(command: Command) -> bytes:
    return command.model_dump_json().encode()


def decode(body: bytes) -> Command:
    """Parse a message body; raises pydantic.ValidationError on a malformed one."""
    return _COMMAND.validate_json(body)
