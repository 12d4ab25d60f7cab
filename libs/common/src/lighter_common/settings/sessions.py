"""Interactive sessions: their timeouts, the kernel's long poll, permanent sessions."""

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from lighter_common.domain.application import ApplicationId
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.settings.durations import MinutesWhenBare, Seconds
from lighter_common.settings.group import SettingsGroup


class PermanentSessionSpec(BaseModel):
    """A session that always exists under a fixed id: `{"id": …, "submitParams": {…}}`."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    id: ApplicationId
    submit_params: SubmitParams = Field(default_factory=SubmitParams, alias="submitParams")


class SessionSettings(SettingsGroup):
    """Interactive sessions."""

    session_timeout_interval: MinutesWhenBare = Field(
        default=90 * 60,
        validation_alias=AliasChoices(
            "LIGHTER_SESSION_TIMEOUT_INTERVAL", "LIGHTER_SESSION_TIMEOUT_MINUTES"
        ),
        description="Idle sessions end after this (a bare number counts minutes, as in the "
        "original Lighter)",
    )
    session_check_interval: Seconds = Field(
        default=2.0, description="How often sessions' timeouts and heartbeats are checked"
    )
    kernel_poll_timeout: Seconds = Field(
        default=25.0, description="How long a driver's long poll for its next statement waits"
    )
    permanent_sessions: list[PermanentSessionSpec] = Field(
        default_factory=list,
        description='Sessions created at start-up and kept alive: a JSON list of `{"id": …, '
        '"submitParams": {…}}`',
    )
