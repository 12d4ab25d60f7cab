"""A timed fake backend, for load tests and benchmarks of the control plane only.

Nothing runs: an application "starts" for a while, "runs" for a while, then ends as planned.
It measures Lighter, never Spark, and must never be taken as evidence that Spark works.

The backend reference carries the whole plan,
`sim:<launch epoch ms>:<start s>:<run s>:<outcome>:<generation>`, so `status` is a pure
function of the reference and the clock, and every process on every replica agrees without
shared memory. Each launch also leaves the reference in
`<data dir>/simulated-drivers/<app id>@<generation>` (so drivers can be listed, and found
without a reference), and a kill leaves a marker, `<data dir>/simulated-killed/<same name>`,
which all of them see too.

Launch is idempotent: an application that has a simulated reference of its generation, or
whose driver was recorded, keeps it; otherwise the launch time is the application's
`started_at` (set when a submitter claims it), or now for an application that was never
claimed.

Conf keys steer one application: `lighter.simulated.startSeconds`,
`lighter.simulated.runSeconds` and `lighter.simulated.outcome` (`succeeded` or `failed`).
"""

import os
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from lighter_common.backends.base import LaunchContext, LaunchResult
from lighter_common.domain.application import Application
from lighter_common.domain.driver import DriverKey, DriverPhase, DriverStatus, LiveDriver
from lighter_common.settings import Settings

START_SECONDS_CONF = "lighter.simulated.startSeconds"
RUN_SECONDS_CONF = "lighter.simulated.runSeconds"
OUTCOME_CONF = "lighter.simulated.outcome"
_PREFIX = "sim"
_OUTCOMES = {"succeeded": DriverPhase.SUCCEEDED, "failed": DriverPhase.FAILED}
_FINISHED = (DriverPhase.SUCCEEDED, DriverPhase.FAILED, DriverPhase.KILLED)


@dataclass(frozen=True)
class SimulatedPlan:
    launched_ms: int
    start_seconds: float
    run_seconds: float
    outcome: str
    generation: int

    @property
    def ref(self) -> str:
        return (
            f"{_PREFIX}:{self.launched_ms}:{self.start_seconds:g}:{self.run_seconds:g}:"
            f"{self.outcome}:{self.generation}"
        )

    @classmethod
    def parse(cls, ref: str | None) -> "SimulatedPlan | None":
        parts = ref.split(":") if ref else []
        if len(parts) != 6 or parts[0] != _PREFIX or parts[4] not in _OUTCOMES:
            return None
        if not parts[5].isdigit():
            return None
        return cls(int(parts[1]), float(parts[2]), float(parts[3]), parts[4], int(parts[5]))

    def phase_at(self, now_ms: int) -> DriverPhase:
        elapsed = (now_ms - self.launched_ms) / 1000
        if elapsed < self.start_seconds:
            return DriverPhase.STARTING
        if elapsed < self.start_seconds + self.run_seconds:
            return DriverPhase.RUNNING
        return _OUTCOMES[self.outcome]


class SimulatedBackend:
    name = "simulated"

    def __init__(self, settings: Settings) -> None:
        self._drivers_dir = settings.server.data_dir / "simulated-drivers"
        self._killed_dir = settings.server.data_dir / "simulated-killed"
        self._start_seconds = settings.simulated.start_seconds
        self._run_seconds = settings.simulated.run_seconds

    async def launch(self, app: Application, context: LaunchContext) -> LaunchResult:
        current = SimulatedPlan.parse(app.backend_ref)
        if current is not None and current.generation == app.generation:
            return LaunchResult(backend_ref=current.ref)
        record = self._drivers_dir / _name(DriverKey.of(app))
        if (recorded := _read_plan(record)) is not None:
            return LaunchResult(backend_ref=recorded.ref)
        launched_at = app.started_at.timestamp() if app.started_at else time.time()
        plan = self._plan(app, int(launched_at * 1000))
        self._drivers_dir.mkdir(parents=True, exist_ok=True)
        try:
            with record.open("x") as file:
                file.write(plan.ref)
        except FileExistsError:  # a concurrent launch recorded its plan first
            return LaunchResult(backend_ref=(_read_plan(record) or plan).ref)
        return LaunchResult(backend_ref=plan.ref)

    async def status(self, app: Application) -> DriverStatus:
        name = _name(DriverKey.of(app))
        killed = {name} if (self._killed_dir / name).exists() else set()
        return _status(app, self._plan_of(app), _now_ms(), killed)

    async def statuses(self, apps: Sequence[Application]) -> dict[str, DriverStatus]:
        killed = _names_in(self._killed_dir)
        now_ms = _now_ms()
        return {app.id: _status(app, self._plan_of(app), now_ms, killed) for app in apps}

    async def logs(self, app: Application, max_bytes: int) -> str | None:
        plan = self._plan_of(app)
        if plan is None:
            return None
        status = await self.status(app)
        lines = [
            f"simulated driver for {app.id} launched at epoch ms {plan.launched_ms}",
            f"plan: start {plan.start_seconds:g} s, run {plan.run_seconds:g} s, {plan.outcome}",
            f"phase: {status.phase.value}",
        ]
        return "\n".join(lines)[-max_bytes:] if max_bytes > 0 else ""

    async def kill(self, driver: DriverKey) -> None:
        plan = _read_plan(self._drivers_dir / _name(driver))
        if plan is None or plan.phase_at(_now_ms()) in _FINISHED:
            return
        self._killed_dir.mkdir(parents=True, exist_ok=True)
        (self._killed_dir / _name(driver)).touch()

    async def launch_problem(self) -> None:
        return None

    async def drivers(self) -> list[LiveDriver]:
        killed = _names_in(self._killed_dir)
        now_ms = _now_ms()
        alive = []
        for name in _names_in(self._drivers_dir) - killed:
            plan = _read_plan(self._drivers_dir / name)
            key = _key(name)
            if plan is not None and key is not None and not plan.phase_at(now_ms).ended:
                alive.append(LiveDriver(key=key, ref=plan.ref))
        return alive

    async def close(self) -> None:
        return None

    def _plan_of(self, app: Application) -> SimulatedPlan | None:
        plan = SimulatedPlan.parse(app.backend_ref)
        if plan is not None and plan.generation == app.generation:
            return plan
        if plan is None and app.backend_ref is not None:
            return None  # another backend's reference
        return _read_plan(self._drivers_dir / _name(DriverKey.of(app)))

    def _plan(self, app: Application, launched_ms: int) -> SimulatedPlan:
        conf = app.submit_params.spark_conf()
        outcome = conf.get(OUTCOME_CONF, "succeeded").lower()
        if outcome not in _OUTCOMES:
            raise ValueError(f"{OUTCOME_CONF} must be one of {', '.join(_OUTCOMES)}")
        return SimulatedPlan(
            launched_ms=launched_ms,
            start_seconds=float(conf.get(START_SECONDS_CONF, self._start_seconds)),
            run_seconds=float(conf.get(RUN_SECONDS_CONF, self._run_seconds)),
            outcome=outcome,
            generation=app.generation,
        )


def _name(driver: DriverKey) -> str:
    return f"{driver.app_id}@{driver.generation}"


def _key(name: str) -> DriverKey | None:
    app_id, _, generation = name.rpartition("@")
    return DriverKey(app_id, int(generation)) if app_id and generation.isdigit() else None


def _names_in(directory: Path) -> set[str]:
    try:
        return set(os.listdir(directory))
    except FileNotFoundError:
        return set()


def _read_plan(record: Path) -> SimulatedPlan | None:
    try:
        return SimulatedPlan.parse(record.read_text())
    except FileNotFoundError:
        return None


def _status(
    app: Application, plan: SimulatedPlan | None, now_ms: int, killed: Collection[str]
) -> DriverStatus:
    if plan is None:
        return DriverStatus(DriverPhase.MISSING, reason="no simulated driver was launched")
    spark_app_id = f"simulated-{plan.launched_ms}-{app.id[:8]}-{plan.generation}"
    if _name(DriverKey.of(app)) in killed:
        return DriverStatus(DriverPhase.KILLED, spark_app_id=spark_app_id, reason="killed")
    phase = plan.phase_at(now_ms)
    if phase is DriverPhase.STARTING:
        return DriverStatus(phase)
    reason = "simulated failure" if phase is DriverPhase.FAILED else None
    return DriverStatus(phase, spark_app_id=spark_app_id, reason=reason)


def _now_ms() -> int:
    return int(time.time() * 1000)
