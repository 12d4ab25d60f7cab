"""An application's lifecycle: when it was submitted, claimed, launched, first running and
finished, and while it waits, why and where in the queue. Derived from its transition
records and its document alone.

A permanent session whose driver ended goes back to `not_started` and lives again: its
lifecycle describes the latest of its lives.
"""

from collections.abc import Callable, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from lighter_common.domain.application import Application
from lighter_common.domain.states import ALIVE_STATES, ApplicationState
from lighter_common.domain.transition_record import SubjectKind, TransitionRecord

_RUNNING_STATES = frozenset(ALIVE_STATES - {ApplicationState.STARTING})
_BACKEND_REF_KEY = "backendRef"


class Lifecycle(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    submitted_at: datetime
    claimed_at: datetime | None = None  # a submitter took it: not_started -> starting
    launched_at: datetime | None = None  # its driver exists (the backend named it)
    running_at: datetime | None = None  # first running, idle or busy
    finished_at: datetime | None = None
    waiting_reason: str | None = None  # only while not_started
    queue_position: int | None = None  # 1 for the next to launch; only while not_started


def lifecycle(
    app: Application, records: Sequence[TransitionRecord], *, queue_position: int | None = None
) -> Lifecycle:
    """The application's lifecycle from its records (oldest first, any order accepted).

    `queue_position` is the caller's count of applications of its kind waiting ahead of it,
    plus one; it is shown only while the application waits.
    """
    ordered = sorted(
        (r for r in records if r.kind is SubjectKind.APPLICATION and r.subject == app.id),
        key=lambda r: r.seq,
    )
    revivals = [i for i, r in enumerate(ordered) if r.to_state == ApplicationState.NOT_STARTED]
    life = ordered[revivals[-1] + 1 :] if revivals else ordered
    submitted = ordered[revivals[-1]].at if revivals else app.created_at
    waiting = app.state is ApplicationState.NOT_STARTED
    return Lifecycle(
        submitted_at=submitted,
        claimed_at=_first(life, lambda r: r.to_state == ApplicationState.STARTING),
        launched_at=_first(life, lambda r: r.changes.get(_BACKEND_REF_KEY) is not None),
        running_at=_first(life, lambda r: r.to_state in _RUNNING_STATES),
        finished_at=_first(life, lambda r: _is_finished(r.to_state)),
        waiting_reason=app.state_reason if waiting else None,
        queue_position=queue_position if waiting else None,
    )


def _first(
    records: Sequence[TransitionRecord], matches: Callable[[TransitionRecord], bool]
) -> datetime | None:
    for record in records:
        if matches(record):
            return record.at
    return None


def _is_finished(state: str | None) -> bool:
    return state is not None and ApplicationState(state).is_finished
