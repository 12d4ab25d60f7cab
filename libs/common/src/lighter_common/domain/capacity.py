"""The capacity rule: which waiting applications may launch now, and why the others wait."""

from collections.abc import Sequence
from dataclasses import dataclass

from lighter_common.domain.application import Application, ApplicationType


@dataclass(frozen=True)
class CapacityLimits:
    max_running_jobs: int
    max_starting_jobs: int
    max_running_sessions: int


@dataclass(frozen=True)
class Occupancy:
    """What is launched and not finished right now."""

    alive_batches: int
    alive_sessions: int
    starting: int


@dataclass(frozen=True)
class Admission:
    launch: list[Application]
    waiting: dict[str, str]  # application id -> why it waits


def plan_admission(
    pending: Sequence[Application], occupancy: Occupancy, limits: CapacityLimits
) -> Admission:
    """Admit pending applications oldest first while capacity lasts.

    Batches and sessions have separate running limits and share the starting limit. Within
    each kind order is kept: once one application waits, the later ones of its kind wait too.
    """
    batches, sessions, starting = (
        occupancy.alive_batches,
        occupancy.alive_sessions,
        occupancy.starting,
    )
    launch: list[Application] = []
    waiting: dict[str, str] = {}
    blocked: dict[bool, str] = {}
    for app in sorted(pending, key=lambda a: (a.created_at, a.livy_id)):
        is_session = app.type.is_session
        if is_session in blocked:
            waiting[app.id] = blocked[is_session]
            continue
        reason = _reason_to_wait(app.type, batches, sessions, starting, limits)
        if reason is not None:
            blocked[is_session] = reason
            waiting[app.id] = reason
            continue
        launch.append(app)
        starting += 1
        if is_session:
            sessions += 1
        else:
            batches += 1
    return Admission(launch=launch, waiting=waiting)


def _reason_to_wait(
    app_type: ApplicationType, batches: int, sessions: int, starting: int, limits: CapacityLimits
) -> str | None:
    if app_type.is_session and sessions >= limits.max_running_sessions:
        return f"waiting: {sessions} sessions running, the limit is {limits.max_running_sessions}"
    if not app_type.is_session and batches >= limits.max_running_jobs:
        return f"waiting: {batches} jobs running, the limit is {limits.max_running_jobs}"
    if starting >= limits.max_starting_jobs:
        return f"waiting: {starting} applications starting, the limit is {limits.max_starting_jobs}"
    return None
