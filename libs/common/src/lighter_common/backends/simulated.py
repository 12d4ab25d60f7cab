"""A timed fake backend, for load tests and benchmarks of the control plane only.

Nothing runs: an application "starts" for a while, "runs" for a while, then ends as planned.
It measures Lighter, never Spark, and must never be taken as evidence that Spark works.

The backend reference carries the whole plan, `sim:<launch epoch ms>:<start s>:<run s>:<outcome>`,
so `status` is a pure function of the reference and the clock, and every process on every
replica agrees without shared memory. A kill leaves a marker file,
`<data dir>/simulated-killed/<app id>`, which all of them see too.

Launch is idempotent: an application that has a simulated reference keeps it; otherwise the
launch time is the application's `started_at` (set when a submitter claims it), or now for
an application that was never claimed.

Conf keys steer one application: `lighter.simulated.startSeconds`,
`lighter.simulated.runSeconds` and `lighter.simulated.outcome` (`succeeded` or `failed`).
"""

import os
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from lighter_common.backends.base import LaunchContext, LaunchResult
from lighter_common.domain.application import Application
from lighter_common.domain.driver import DriverPhase, DriverStatus
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

    @property
    def ref(self) -> str:
        return (
            f"{_PREFIX}:{self.launched_ms}:{self.start_seconds:g}:{self.run_seconds:g}:"
            f"{self.outcome}"
        )

    @classmethod
    def parse(cls, ref: str | None) -> "SimulatedPlan | None":
        parts = ref.split(":") if ref else []
        if len(parts) != 5 or parts[0] != _PREFIX or parts[4] not in _OUTCOMES:
            return None
        return cls(int(parts[1]), float(parts[2]), float(parts[3]), parts[4])

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
        self._killed_dir = settings.data_dir / "simulated-killed"
        self._start_seconds = settings.simulated_start_seconds
        self._run_seconds = settings.simulated_run_seconds

    async def launch(self, app: Application, context: LaunchContext) -> LaunchResult:
        if SimulatedPlan.parse(app.backend_ref) is not None:
            return LaunchResult(backend_ref=str(app.backend_ref))
        launched_at = app.started_at.timestamp() if app.started_at else time.time()
        return LaunchResult(backend_ref=self._plan(app, int(launched_at * 1000)).ref)

    async def status(self, app: Application) -> DriverStatus:
        killed = self._killed_dir / app.id
        return _status(app, _now_ms(), killed={app.id} if killed.exists() else ())

    async def statuses(self, apps: Sequence[Application]) -> dict[str, DriverStatus]:
        killed = self._killed_ids()
        now_ms = _now_ms()
        return {app.id: _status(app, now_ms, killed) for app in apps}

    async def logs(self, app: Application, max_bytes: int) -> str | None:
        plan = SimulatedPlan.parse(app.backend_ref)
        if plan is None:
            return None
        status = await self.status(app)
        lines = [
            f"simulated driver for {app.id} launched at epoch ms {plan.launched_ms}",
            f"plan: start {plan.start_seconds:g} s, run {plan.run_seconds:g} s, {plan.outcome}",
            f"phase: {status.phase.value}",
        ]
        return "\n".join(lines)[-max_bytes:] if max_bytes > 0 else ""

    async def kill(self, app: Application) -> None:
        if (await self.status(app)).phase in _FINISHED:
            return
        self._killed_dir.mkdir(parents=True, exist_ok=True)
        (self._killed_dir / app.id).touch()

    async def close(self) -> None:
        return None

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
        )

    def _killed_ids(self) -> set[str]:
        try:
            return set(os.listdir(self._killed_dir))
        except FileNotFoundError:
            return set()


def _status(app: Application, now_ms: int, killed: Collection[str]) -> DriverStatus:
    plan = SimulatedPlan.parse(app.backend_ref)
    if plan is None:
        return DriverStatus(DriverPhase.MISSING, reason="no simulated driver was launched")
    spark_app_id = f"simulated-{plan.launched_ms}-{app.id[:8]}"
    if app.id in killed:
        return DriverStatus(DriverPhase.KILLED, spark_app_id=spark_app_id, reason="killed")
    phase = plan.phase_at(now_ms)
    if phase is DriverPhase.STARTING:
        return DriverStatus(phase)
    reason = "simulated failure" if phase is DriverPhase.FAILED else None
    return DriverStatus(phase, spark_app_id=spark_app_id, reason=reason)


def _now_ms() -> int:
    return int(time.time() * 1000)
