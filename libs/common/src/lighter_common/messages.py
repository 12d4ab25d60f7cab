"""Commands carried by the bus. Each names a document; the document is the truth."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter

SUBMITTER_QUEUE = "lighter.submitter"
TRACKER_QUEUE = "lighter.tracker"
SESSION_MANAGER_QUEUE = "lighter.session-manager"
QUEUES = (SUBMITTER_QUEUE, TRACKER_QUEUE, SESSION_MANAGER_QUEUE)


class ApplicationCommand(BaseModel):
    """A command about one application document."""

    app_id: str


class SessionCommand(BaseModel):
    """A command about one session document."""

    session_id: str


class StatementCommand(SessionCommand):
    """A command about one statement of a session."""

    statement_id: int


class LaunchApplication(ApplicationCommand):
    """An application was created (or freed capacity): the submitter should schedule."""

    type: Literal["launch"] = "launch"


class KillApplication(ApplicationCommand):
    """A client deleted an application: stop its Spark app."""

    type: Literal["kill"] = "kill"


class TrackApplication(ApplicationCommand):
    """An application was launched or touched: the tracker should look at it now."""

    type: Literal["track"] = "track"


class StatementSubmitted(StatementCommand):
    """A client submitted a statement: the session-manager should hand it to the kernel."""

    type: Literal["statement"] = "statement"


class CancelStatement(StatementCommand):
    """A client asked to cancel a statement."""

    type: Literal["cancel_statement"] = "cancel_statement"


class CompletionRequested(SessionCommand):
    """A client asked the session's kernel for completions (kept on the session's document)."""

    type: Literal["completion"] = "completion"


class SessionFinished(SessionCommand):
    """A session reached a final state: settle its statements, revive it if permanent."""

    type: Literal["session_finished"] = "session_finished"


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
