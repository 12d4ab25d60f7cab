"""The application document: a batch or a session, as stored and as every service sees it."""

import re
import secrets
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from lighter_common.domain.completion import Completion
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.submit_params import SubmitParams


class ApplicationType(StrEnum):
    BATCH = "BATCH"
    SESSION = "SESSION"
    PERMANENT_SESSION = "PERMANENT_SESSION"

    @property
    def is_session(self) -> bool:
        return self is not ApplicationType.BATCH


BATCH_TYPES: tuple[ApplicationType, ...] = (ApplicationType.BATCH,)
SESSION_TYPES: tuple[ApplicationType, ...] = (
    ApplicationType.SESSION,
    ApplicationType.PERMANENT_SESSION,
)

# Ids chosen by callers (PUT /sessions/{id}, permanent sessions) become file and pod names:
# no path separators, no leading dot or dash, and short enough for a Kubernetes label.
APPLICATION_ID_RULE = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
_APPLICATION_ID = re.compile(APPLICATION_ID_RULE)


def application_id_problem(value: str) -> str | None:
    """Why `value` cannot be an application id, or None when it can."""
    if _APPLICATION_ID.fullmatch(value):
        return None
    return (
        f"Id '{value}' is not allowed: an id must match {APPLICATION_ID_RULE} "
        "(a letter or digit, then up to 63 letters, digits, '.', '_' or '-')"
    )


def _check_application_id(value: str) -> str:
    problem = application_id_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


ApplicationId = Annotated[str, AfterValidator(_check_application_id)]


class AppInfo(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    driver_log_url: str | None = None
    spark_ui_url: str | None = None


class Milestones(BaseModel):
    """When the application's current life reached each step (domain/milestones.py keeps them)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    submitted_at: datetime | None = None  # set when a permanent session lives again
    claimed_at: datetime | None = None
    launched_at: datetime | None = None
    running_at: datetime | None = None


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_application_id() -> str:
    return str(uuid.uuid4())


# Times that record activity rather than a change: written in place (Store.touch_application),
# not through the transition log, since a heartbeat would otherwise log a record per poll.
ACTIVITY_FIELDS = frozenset({"contacted_at", "heartbeat_at"})


class Application(BaseModel):
    """One batch or session. Stored with camelCase keys and `_id`."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    id: ApplicationId = Field(default_factory=new_application_id, alias="_id")
    livy_id: int = -1
    type: ApplicationType
    state: ApplicationState = ApplicationState.NOT_STARTED
    state_reason: str | None = None
    app_id: str | None = None
    app_info: AppInfo = Field(default_factory=AppInfo)
    kind: str | None = None
    submit_params: SubmitParams
    owner: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    contacted_at: datetime | None = None
    finished_at: datetime | None = None
    backend: str = "local"
    backend_ref: str | None = None
    deleted: bool = False
    kill_requested: bool = False
    # Submitted by a superuser the operator lets past the conf policy (domain/conf_policy.py).
    conf_policy_lifted: bool = False
    # Sessions: the kernel's secret, and when a client last touched the session.
    kernel_secret: str | None = None
    last_activity_at: datetime | None = None  # statements: the idle timeout counts from it
    heartbeat_at: datetime | None = None  # Livy clients' contact: heartbeatTimeoutInSecond
    generation: int = 0
    completion: Completion | None = None  # the newest completion request (domain/completion.py)
    # The newest statement whose result is being recorded: a look at the store that still
    # finds it running must not show the session busy again (session-manager dispatch).
    ending_statement: int | None = None
    milestones: Milestones = Field(default_factory=Milestones)
    seq: int = 0  # changes logged so far (store/transition_log.py)

    @property
    def name(self) -> str | None:
        return self.submit_params.name

    def to_document(self) -> dict[str, object]:
        return self.model_dump(by_alias=True, mode="python")

    @classmethod
    def from_document(cls, doc: dict[str, object]) -> "Application":
        return cls.model_validate(doc)


def new_kernel_secret() -> str:
    return secrets.token_urlsafe(24)
