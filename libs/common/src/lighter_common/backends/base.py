"""The Backend port: launch, observe, read and kill Spark applications.

Contract (every adapter passes libs/common/tests/backends/test_contract.py):
- `launch` is idempotent per (application id, generation): called again for the same
  application (after a crash between launch and recording it) it returns the same
  reference without starting a second driver.
- `status` looks only at what the backend has (process, pod, schedule) and never at the
  store, so any service on any replica can call it after a restart.
- `statuses` is `status` for many applications at once, as cheap as the backend allows.
- `kill` is idempotent; killing something already gone, or never launched, is not an
  error. It finds the driver from the application id and generation alone, so a kill that
  raced a launch (no reference recorded yet) still stops the driver.
- `drivers` lists every driver the backend has alive, whether or not an application still
  wants it: the tracker's zombie sweep stops the ones nobody does.
- `launch_problem` says why no launch could succeed now (what the backend needs from where
  it runs Spark), without launching anything; the submitter asks it at start-up.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from lighter_common.domain.application import Application
from lighter_common.domain.driver import DriverKey, DriverStatus, LiveDriver


@dataclass(frozen=True)
class LaunchResult:
    backend_ref: str
    spark_app_id: str | None = None


@dataclass(frozen=True)
class LaunchContext:
    """What a driver needs beyond the submit params (sessions: where the kernel calls home).

    `env` is all a driver gets of Lighter's configuration: backends pass none of the
    service's own LIGHTER_* variables, which hold its secrets. `kernel_file` is the main
    file, `kernel_archive` the zip of the kernel's package it imports (a py-file);
    `kernel_file_url` and `kernel_archive_url` are where a driver that cannot read this
    machine's files (a pod) fetches them from.
    """

    kernel_file: str | None = None
    kernel_file_url: str | None = None
    kernel_archive: str | None = None
    kernel_archive_url: str | None = None
    env: dict[str, str] | None = None


class Backend(Protocol):
    name: str

    async def launch(self, app: Application, context: LaunchContext) -> LaunchResult: ...

    async def status(self, app: Application) -> DriverStatus: ...

    async def statuses(self, apps: Sequence[Application]) -> dict[str, DriverStatus]:
        """Statuses keyed by application id."""

    async def logs(self, app: Application, max_bytes: int) -> str | None:
        """The driver's log (its last `max_bytes`), or None when there is none."""

    async def kill(self, driver: DriverKey) -> None: ...

    async def drivers(self) -> list[LiveDriver]:
        """Every driver alive now."""

    async def launch_problem(self) -> str | None:
        """Why launches cannot succeed now, in words naming the setting involved, or None."""

    async def close(self) -> None: ...
