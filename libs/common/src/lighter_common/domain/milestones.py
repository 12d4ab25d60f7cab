"""An application's lifecycle: when it was submitted, claimed, launched, first running and
finished, and while it waits, why and where in the queue.

Each change to an application records the milestones it reaches on the document itself
(`milestone_changes`, applied by the store with the change), so showing a lifecycle reads
nothing but the document. A permanent session whose driver ended goes back to `not_started`
and lives again: its milestones start over, and describe the latest of its lives.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from lighter_common.domain.application import Application, Milestones
from lighter_common.domain.states import ALIVE_STATES, ApplicationState

_RUNNING_STATES = frozenset(ALIVE_STATES - {ApplicationState.STARTING})


class Lifecycle(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    submitted_at: datetime
    claimed_at: datetime | None = None  # a submitter took it: not_started -> starting
    launched_at: datetime | None = None  # its driver exists (the backend named it)
    running_at: datetime | None = None  # first running, idle or busy
    finished_at: datetime | None = None
    waiting_reason: str | None = None  # only while not_started
    queue_position: int | None = None  # 1 for the next to launch; only while not_started


def milestone_changes(
    app: Application, changes: Mapping[str, Any], at: datetime
) -> dict[str, Milestones]:
    """The milestones that `changes` (model field names) to `app` reach at `at`, as a further
    change to record with them; empty when they reach none."""
    state = changes.get("state")
    target = None if state is None else ApplicationState(state)
    if target is ApplicationState.NOT_STARTED and app.state is not ApplicationState.NOT_STARTED:
        return {"milestones": Milestones(submitted_at=at)}
    reached = app.milestones
    if target is ApplicationState.STARTING and reached.claimed_at is None:
        reached = reached.model_copy(update={"claimed_at": at})
    if changes.get("backend_ref") is not None and reached.launched_at is None:
        reached = reached.model_copy(update={"launched_at": at})
    if target in _RUNNING_STATES and reached.running_at is None:
        reached = reached.model_copy(update={"running_at": at})
    return {} if reached is app.milestones else {"milestones": reached}


def lifecycle(app: Application, *, queue_position: int | None = None) -> Lifecycle:
    """The application's lifecycle. `queue_position` is the caller's count of applications of
    its kind waiting ahead of it, plus one; it is shown only while the application waits."""
    reached = app.milestones
    waiting = app.state is ApplicationState.NOT_STARTED
    return Lifecycle(
        submitted_at=reached.submitted_at or app.created_at,
        claimed_at=reached.claimed_at,
        launched_at=reached.launched_at,
        running_at=reached.running_at,
        finished_at=app.finished_at if app.state.is_finished else None,
        waiting_reason=app.state_reason if waiting else None,
        queue_position=queue_position if waiting else None,
    )
