"""Spark on a real YARN cluster, seen through the ResourceManager client and the status mapping.

The four submissions start together (`submissions`), so that the suite waits for YARN once
rather than four times; each test then follows its own application to its end.
"""

import asyncio
import secrets
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from lighter_common.backends.yarn.app_state import YarnApplication, driver_status
from lighter_common.backends.yarn.resource_manager import ResourceManager
from lighter_common.backends.yarn.tags import COMMON_TAG, app_tag, driver_tags
from lighter_common.domain.driver import DriverKey, DriverPhase, DriverStatus

from tests.harness.yarn_cluster import EXAMPLES, Submission, YarnCluster

# Each test waits for spark-submit and a driver on a shared, often busy, machine.
pytestmark = [pytest.mark.yarn, pytest.mark.timeout(1200)]

# Under load a small Spark application takes a minute or two on the test cluster's one node.
ENDS_WITHIN = 600.0


class Submitted:
    """One application handed to spark-submit in the background, and its Lighter key."""

    def __init__(self, pool: ThreadPoolExecutor, submit: Callable[[DriverKey], Submission]):
        self.key = DriverKey(f"yarn-test-{secrets.token_hex(6)}")
        self.tag = app_tag(self.key.app_id)
        self.future: Future[Submission] = pool.submit(submit, self.key)

    def submission(self) -> Submission:
        return self.future.result(timeout=ENDS_WITHIN)


@pytest.fixture(scope="module")
def submissions(yarn_cluster: YarnCluster) -> Iterator[dict[str, Submitted]]:
    def submitting(
        main: str, *args: str, queue: str | None = None
    ) -> Callable[[DriverKey], Submission]:
        def submit(key: DriverKey) -> Submission:
            tags = driver_tags(key)
            return yarn_cluster.spark_submit(EXAMPLES / main, *args, tags=tags, queue=queue)

        return submit

    with ThreadPoolExecutor(max_workers=4) as pool:
        yield {
            "pi": Submitted(pool, submitting("pi.py")),
            "fail": Submitted(pool, submitting("fail.py")),
            "sleep": Submitted(pool, submitting("sleep.py", "600", queue="other")),
            "no-queue": Submitted(pool, submitting("pi.py", queue="nosuch")),
        }


async def only_application(resource_manager: ResourceManager, tag: str) -> YarnApplication:
    apps = await resource_manager.applications(tag=tag)
    assert len(apps) == 1, f"applications tagged {tag}: {apps}"
    return apps[0]


async def follow(
    resource_manager: ResourceManager,
    tag: str,
    *,
    until: Callable[[DriverStatus], bool] = lambda status: status.phase.ended,
) -> tuple[YarnApplication, list[DriverStatus]]:
    """Polls the application until `until`; its last report and every distinct status seen."""
    deadline = time.monotonic() + ENDS_WITHIN
    seen: list[DriverStatus] = []
    while True:
        app = await only_application(resource_manager, tag)
        status = driver_status(app)
        if not seen or seen[-1] != status:
            seen.append(status)
        if until(status):
            return app, seen
        assert time.monotonic() < deadline, f"{tag} still {status} after {ENDS_WITHIN}s: {seen}"
        await asyncio.sleep(1)


async def test_nothing_is_tagged_with_an_unknown_tag(resource_manager: ResourceManager) -> None:
    assert await resource_manager.applications(tag=f"lighter-app-{secrets.token_hex(8)}") == []
    assert await resource_manager.application("application_1_999999") is None


async def test_pi_succeeds_and_its_driver_s_stdout_is_read(
    resource_manager: ResourceManager, submissions: dict[str, Submitted]
) -> None:
    pi = submissions["pi"]
    submitted = pi.submission()
    assert submitted.returncode == 0, submitted.output

    app, seen = await follow(resource_manager, pi.tag)

    assert seen[-1].phase is DriverPhase.SUCCEEDED, seen
    assert app.state == "FINISHED" and app.final_status == "SUCCEEDED"
    assert set(app.application_tags) == set(driver_tags(pi.key))
    assert app.queue == "root.default"
    assert seen[-1].spark_app_id == app.id
    stdout = await resource_manager.container_log(app)
    assert stdout is not None and "Pi is roughly 3." in stdout
    tail = await resource_manager.container_log(app, "stderr", tail_bytes=2000)
    assert tail is not None and 0 < len(tail) <= 2000


async def test_one_request_lists_every_lighter_application(
    resource_manager: ResourceManager, submissions: dict[str, Submitted]
) -> None:
    for submitted in submissions.values():
        submitted.submission()

    tags = {
        tag
        for app in await resource_manager.applications(tag=COMMON_TAG)
        for tag in app.application_tags
    }

    assert {s.tag for s in submissions.values()} <= tags


async def test_a_failing_script_ends_failed_with_its_exception(
    resource_manager: ResourceManager, submissions: dict[str, Submitted]
) -> None:
    fail = submissions["fail"]
    assert fail.submission().returncode == 0, fail.submission().output

    app, seen = await follow(resource_manager, fail.tag)
    # The JVM's log, then the Python driver's own output (where its traceback is).
    stderr = await resource_manager.container_log(app, "stderr", tail_bytes=20_000)
    stdout = await resource_manager.container_log(app, "stdout", tail_bytes=20_000)
    status = driver_status(app, log_tail=f"{stderr or ''}{stdout or ''}")

    assert seen[-1].phase is DriverPhase.FAILED, seen
    assert app.diagnostics, "YARN gives the failure's diagnostics"
    assert status.phase is DriverPhase.FAILED
    assert status.reason is not None
    assert "ValueError: fail.py gives up on purpose" in status.reason, status.reason


async def test_a_kill_through_the_resource_manager_ends_killed(
    resource_manager: ResourceManager, submissions: dict[str, Submitted]
) -> None:
    sleep = submissions["sleep"]
    assert sleep.submission().returncode == 0, sleep.submission().output

    app, seen = await follow(
        resource_manager, sleep.tag, until=lambda status: status.phase is DriverPhase.RUNNING
    )
    assert app.queue == "root.other"
    waiting = [status.reason for status in seen if status.phase is DriverPhase.STARTING]
    assert all("root.other" in (reason or "root.other") for reason in waiting), waiting

    state = await resource_manager.kill(app.id)
    app, seen = await follow(resource_manager, sleep.tag)

    assert state is not None
    assert seen[-1].phase is DriverPhase.KILLED, seen
    assert seen[-1].reason is not None and "lighter-test" in seen[-1].reason, seen[-1].reason
    assert await resource_manager.kill(app.id) == "KILLED"  # a second kill changes nothing


async def test_a_queue_that_does_not_exist_is_named_in_the_reason(
    resource_manager: ResourceManager, submissions: dict[str, Submitted]
) -> None:
    no_queue = submissions["no-queue"]
    submitted = no_queue.submission()

    assert submitted.returncode != 0
    _, seen = await follow(resource_manager, no_queue.tag)
    assert seen[-1].phase is DriverPhase.FAILED, seen
    assert seen[-1].reason is not None and "nosuch" in seen[-1].reason, seen[-1].reason
