"""YARN application report -> driver status, for every state and final status, as a table."""

from typing import Any

import pytest
from lighter_common.backends.yarn.app_state import YarnApplication, driver_status
from lighter_common.domain.driver import DriverPhase

APP_ID = "application_1796672196037_0007"
ACCEPTED_DIAGNOSTICS = (
    "[Mon Dec 07 19:37:18 +0000 2026] Application is Activated, waiting for resources to be "
    "assigned for AM.  Last Node which was processed for the application : localhost:42937 "
    "( Partition : [], Total resource : <memory:8192, vCores:8> ). Details : AM Partition = "
    "<DEFAULT_PARTITION> ; Queue's Absolute capacity = 90.0 % ;"
)
AM_FAILED = (
    "Application application_1796672196037_0007 failed 1 times (global limit =2; local limit "
    "is =1) due to AM Container for appattempt_1796672196037_0007_000001 exited with  "
    "exitCode: 13\nFailing this attempt.Diagnostics: [2026-12-07 19:40:01.123]Exception from "
    "container-launch.\nFor more detailed output, check the application tracking page: "
    "http://localhost:8088/cluster/app/application_1796672196037_0007 Then click on links to "
    "logs of each attempt.\n. Failing the application."
)
PYTHON_FAILURE_LOG = """\
Traceback (most recent call last):
  File "fail.py", line 9, in main
ValueError: fail.py gives up on purpose after counting 10 rows
26/12/07 19:40:00 INFO ShutdownHookManager: Shutdown hook called
"""
UNKNOWN_QUEUE = (
    "Application application_1796672196037_0007 submitted by user root to unknown queue: nosuch"
)


def app(state: str, final: str = "UNDEFINED", **fields: Any) -> YarnApplication:
    return YarnApplication.model_validate(
        {
            "id": APP_ID,
            "queue": "root.default",
            "state": state,
            "finalStatus": final,
            "diagnostics": "",
            "trackingUrl": f"http://rm.example:8088/proxy/{APP_ID}/",
            "applicationTags": "lighter,lighter-app-abc,lighter-gen-0",
            "someFieldLighterDoesNotRead": {"x": 1},
            **fields,
        }
    )


@pytest.mark.parametrize(
    ("report", "phase", "reason"),
    [
        (app("NEW"), DriverPhase.STARTING, None),
        (app("NEW_SAVING"), DriverPhase.STARTING, None),
        (app("SUBMITTED"), DriverPhase.STARTING, "submitted to queue root.default"),
        (app("ACCEPTED"), DriverPhase.STARTING, "waiting in queue root.default"),
        (
            app("ACCEPTED", diagnostics=ACCEPTED_DIAGNOSTICS),
            DriverPhase.STARTING,
            "waiting in queue root.default: Application is Activated, waiting for resources "
            "to be assigned for AM.",
        ),
        (app("ACCEPTED", queue="root.other"), DriverPhase.STARTING, "waiting in queue root.other"),
        (app("RUNNING"), DriverPhase.RUNNING, None),
        (app("RUNNING", "SUCCEEDED"), DriverPhase.RUNNING, None),
        (app("FINISHED", "SUCCEEDED"), DriverPhase.SUCCEEDED, None),
        (
            app("FINISHED", "FAILED", diagnostics="User application exited with status 1"),
            DriverPhase.FAILED,
            "User application exited with status 1",
        ),
        (
            app("FINISHED", "FAILED"),
            DriverPhase.FAILED,
            "the application failed (YARN gives no diagnostics)",
        ),
        (
            app("FINISHED", "UNDEFINED"),
            DriverPhase.FAILED,
            "the application ended without a final status",
        ),
        (
            app("FINISHED", "KILLED", diagnostics="killed by the AM"),
            DriverPhase.KILLED,
            "killed by the AM",
        ),
        (
            app("FAILED", "FAILED", diagnostics=AM_FAILED),
            DriverPhase.FAILED,
            "Application application_1796672196037_0007 failed 1 times (global limit =2; local "
            "limit is =1) due to AM Container for appattempt_1796672196037_0007_000001 exited "
            "with  exitCode: 13\nFailing this attempt.Diagnostics: [2026-12-07 "
            "19:40:01.123]Exception from container-launch.\n. Failing the application.",
        ),
        (app("FAILED", "FAILED", diagnostics=UNKNOWN_QUEUE), DriverPhase.FAILED, UNKNOWN_QUEUE),
        (
            app("KILLED", "KILLED", diagnostics="Application killed by user."),
            DriverPhase.KILLED,
            "Application killed by user.",
        ),
        (app("KILLED", "KILLED"), DriverPhase.KILLED, "killed"),
        (app("ABANDONED"), DriverPhase.RUNNING, "YARN reports an unknown state 'ABANDONED'"),
    ],
)
def test_driver_status(report: YarnApplication, phase: DriverPhase, reason: str | None) -> None:
    status = driver_status(report)
    assert (status.phase, status.reason) == (phase, reason)
    assert status.spark_app_id == APP_ID


def test_a_failure_names_the_exception_from_the_driver_log() -> None:
    report = app("FINISHED", "FAILED", diagnostics="User application exited with status 1")

    status = driver_status(report, log_tail=PYTHON_FAILURE_LOG)

    assert status.reason == (
        "User application exited with status 1: "
        "ValueError: fail.py gives up on purpose after counting 10 rows"
    )


def test_the_ams_own_error_line_adds_nothing() -> None:
    report = app("FINISHED", "FAILED", diagnostics="User application exited with status 1")
    log = "26/12/07 19:48:56 ERROR ApplicationMaster: User application exited with status 1\n"

    assert driver_status(report, log_tail=log).reason == "User application exited with status 1"


def test_a_refusal_that_repeats_its_start_is_said_once() -> None:
    refused = (
        f"Application {APP_ID} submitted by user alice"
        f"Application {APP_ID} submitted by user alice to unknown queue: nosuch"
    )
    status = driver_status(app("FAILED", "FAILED", diagnostics=refused))

    assert status.reason == f"Application {APP_ID} submitted by user alice to unknown queue: nosuch"


def test_a_long_diagnostic_is_cut() -> None:
    status = driver_status(app("FAILED", "FAILED", diagnostics="x" * 5000))

    assert status.reason is not None and len(status.reason) == 1000


@pytest.mark.parametrize(
    ("tracking_url", "ui"),
    [
        (f"http://rm.example:8088/proxy/{APP_ID}/", f"http://rm.example:8088/proxy/{APP_ID}/"),
        (f"http://localhost:0/proxy/{APP_ID}/", None),  # a proxy with no address
        ("javascript:alert(1)", None),
        ("N/A", None),
        (None, None),
    ],
)
def test_a_running_driver_s_ui_is_the_rm_proxy(tracking_url: str | None, ui: str | None) -> None:
    assert driver_status(app("RUNNING", trackingUrl=tracking_url)).spark_ui_url == ui


def test_a_proxy_without_an_address_is_the_resource_manager_s_own() -> None:
    unusable = app("RUNNING", trackingUrl=f"http://localhost:0/proxy/{APP_ID}/")
    status = driver_status(unusable, resource_manager_url="http://rm.example:8088/")
    assert status.spark_ui_url == f"http://rm.example:8088/proxy/{APP_ID}/"
    usable = app("RUNNING", trackingUrl=f"http://proxy.example/proxy/{APP_ID}/")
    status = driver_status(usable, resource_manager_url="http://rm.example:8088")
    assert status.spark_ui_url == f"http://proxy.example/proxy/{APP_ID}/"
    no_url = app("RUNNING", trackingUrl=None)
    assert driver_status(no_url, resource_manager_url="http://rm:8088").spark_ui_url is None


def test_the_report_reads_tags_and_the_driver_container() -> None:
    report = app(
        "RUNNING",
        amContainerLogs="http://nm:8042/node/containerlogs/container_e07_1796672196037_0007_01_000001/root",
        amHostHttpAddress="nm:8042",
        diagnostics=None,
    )

    assert report.application_tags == ("lighter", "lighter-app-abc", "lighter-gen-0")
    assert report.am_container_id == "container_e07_1796672196037_0007_01_000001"
    assert report.diagnostics == ""
    assert app("ACCEPTED").am_container_id is None
