"""Applications in both dialects: ids, shapes, redaction, timestamps, pages, logs, errors."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from lighter_api.dialects import lighter, livy
from lighter_api.dialects.logs import LogPage, log_page
from lighter_api.dialects.timestamps import epoch_millis, lighter_time
from lighter_common.domain.app_links import LinkTemplates
from lighter_common.domain.application import AppInfo, Application, ApplicationType
from lighter_common.domain.errors import InvalidRequest
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.submit_params import SubmitParams

CREATED = datetime(2021, 10, 11, 8, 12, 43, 507390, tzinfo=UTC)
PARAMS = SubmitParams.model_validate(
    {
        "name": "nightly",
        "file": "/jobs/pi.py",
        "className": "org.Pi",
        "args": [10, True],
        "driverMemory": "1g",
        "proxyUser": "ana",
        "conf": {
            "spark.executor.instances": 2,
            "spark.hadoop.fs.s3a.secret.key": "s3cr3t",
            "spark.db.password": "pw",
            "my.token": "t",
            "fs.s3a.access.key": "AKIA",
        },
        "heartbeatTimeoutInSecond": 60,
        "kind": "pyspark",
    }
)
SECRET_KEYS = [
    "spark.hadoop.fs.s3a.secret.key",
    "spark.db.password",
    "my.token",
    "fs.s3a.access.key",
]


def application(app_type: ApplicationType = ApplicationType.BATCH) -> Application:
    return Application(
        id="app-1",
        livy_id=7,
        type=app_type,
        state=ApplicationState.RUNNING,
        app_id="local-1633939963",
        app_info=AppInfo(driver_log_url="http://logs", spark_ui_url="http://ui"),
        kind="pyspark" if app_type.is_session else None,
        submit_params=PARAMS,
        owner="ana",
        created_at=CREATED,
    )


# Lighter


def test_a_lighter_application() -> None:
    shown = lighter.render_application(application(), log=["a", "b"])
    assert shown["id"] == "app-1"
    assert shown["type"] == "BATCH"
    assert shown["state"] == "running"
    assert shown["name"] == "nightly"
    assert shown["owner"] == shown["proxyUser"] == "ana"
    assert shown["appId"] == "local-1633939963"
    assert shown["appInfo"] == {
        "driverLogUrl": "http://logs",
        "sparkUiUrl": "http://ui",
        "sparkHistoryUrl": None,
    }
    assert shown["log"] == ["a", "b"]
    assert shown["createdAt"] == "2021-10-11T08:12:43.507390"
    assert shown["contactedAt"] is None and shown["finishedAt"] is None


def test_lighter_submit_params_use_main_class_and_leave_out_session_fields() -> None:
    params = lighter.render_application(application())["submitParams"]
    assert params["mainClass"] == "org.Pi" and "className" not in params
    assert params["args"] == ["10", "true"]
    assert params["driverMemory"] == "1g"
    assert not {"kind", "heartbeatTimeoutInSecond", "ttl", "idleTimeout", "permanent"} & set(params)


@pytest.mark.parametrize(
    "render",
    [
        lambda app: lighter.render_application(app)["submitParams"]["conf"],
        lambda app: lighter.render_permanent_session(app)["submitParams"]["conf"],
        lambda app: livy.render_session(app)["conf"],
    ],
    ids=["lighter", "configuration", "livy"],
)
def test_secret_conf_values_are_redacted_in_every_dialect(
    render: Callable[[Application], dict[str, Any]],
) -> None:
    conf = render(application(ApplicationType.SESSION))
    assert {key: conf[key] for key in SECRET_KEYS} == dict.fromkeys(SECRET_KEYS, "[redacted]")
    assert conf["spark.executor.instances"] == 2


@pytest.mark.parametrize(
    ("header", "sparkmagic"),
    [
        ("sparkmagic", True),
        ("Sparkmagic", True),
        ("SPARKMAGIC ", True),
        ("", False),
        (None, False),
        ("livy", False),
    ],
)
def test_the_sparkmagic_header_in_any_case(header: str | None, sparkmagic: bool) -> None:
    assert lighter.is_sparkmagic(header) is sparkmagic


@pytest.mark.parametrize("key", ["applications", "sessions"])
def test_a_lighter_page_counts_every_match(key: str) -> None:
    page = lighter.render_page([application()], offset=10, total=11, key=key)
    assert page["from"] == 10 and page["total"] == 11
    assert [a["id"] for a in page[key]] == ["app-1"]


@pytest.mark.parametrize(("as_lines", "log"), [(False, "line1\nline2"), (True, ["line1", "line2"])])
def test_a_lighter_log_is_text_or_lines_for_sparkmagic(as_lines: bool, log: object) -> None:
    page = LogPage(offset=3, total=5, lines=["line1", "line2"])
    shown = lighter.render_log(application(), page, as_lines=as_lines)
    assert shown == {"id": "app-1", "from": 3, "total": 5, "log": log}


def test_lighter_state_and_permanent_session() -> None:
    app = application(ApplicationType.PERMANENT_SESSION)
    assert lighter.render_state(app) == {"id": "app-1", "state": "running"}
    shown = lighter.render_permanent_session(app)
    assert set(shown) == {"id", "state", "submitParams"}
    assert shown["submitParams"]["name"] == "nightly"


def test_a_lighter_error_names_the_path_and_each_problem() -> None:
    assert lighter.render_error("Batch 'x' not found", path="/lighter/api/batches/x") == {
        "message": "Batch 'x' not found",
        "path": "/lighter/api/batches/x",
        "errors": [{"message": "Batch 'x' not found", "details": {}}],
    }
    details = [{"message": "Unknown field 'fiel'", "details": {"field": "fiel"}}]
    shown = lighter.render_error("Unknown field 'fiel'", path="/p", details=details)
    assert shown["errors"] == details


@pytest.mark.parametrize(
    ("values", "states"),
    [
        ([], []),
        (["running"], ["running"]),
        (["Running, not_started", "error"], ["running", "not_started", "error"]),
        ([" , "], []),
    ],
)
def test_state_filters(values: list[str], states: list[str]) -> None:
    assert [s.value for s in lighter.parse_states(values)] == states


def test_an_unknown_state_filter_lists_the_known_ones() -> None:
    with pytest.raises(InvalidRequest, match=r"'runing' is not a state; use one of .*running"):
        lighter.parse_states(["runing"])


# Livy


def test_a_livy_session_has_its_integer_id_and_every_livy_field() -> None:
    shown = livy.render_application(application(ApplicationType.SESSION), ["x"])
    assert shown["id"] == 7
    assert shown["kind"] == "pyspark"
    assert shown["log"] == ["x"]
    assert shown["heartbeatTimeoutInSecond"] == 60
    assert shown["driverMemory"] == "1g"
    assert set(shown) >= {"name", "appId", "owner", "proxyUser", "state", "appInfo", "ttl"}


def test_a_livy_batch_has_the_batch_fields_only() -> None:
    shown = livy.render_application(application(ApplicationType.BATCH))
    assert shown == {
        "id": 7,
        "name": "nightly",
        "owner": "ana",
        "proxyUser": "ana",
        "state": "running",
        "appId": "local-1633939963",
        "appInfo": {
            "driverLogUrl": "http://logs",
            "sparkUiUrl": "http://ui",
            "executorLogUrls": None,
        },
        "log": [],
    }


def test_links_from_configured_templates_are_in_appinfo_in_both_dialects() -> None:
    templates = LinkTemplates(
        spark_ui="https://spark.example/{id}/ui",
        driver_log="https://logs.example/?q={{appId}}&from={{createdTs}}",
        spark_history_server="https://history.example/",
    )
    app = application(ApplicationType.SESSION)

    in_lighter = lighter.render_application(app, templates=templates)["appInfo"]
    in_livy = livy.render_application(app, templates=templates)["appInfo"]

    assert in_lighter == {
        "sparkUiUrl": "https://spark.example/app-1/ui",
        "driverLogUrl": "https://logs.example/?q=local-1633939963&from=1633939963507",
        "sparkHistoryUrl": "https://history.example/history/local-1633939963/jobs/",
    }
    assert in_livy == {
        "sparkUiUrl": "https://spark.example/app-1/ui",
        "driverLogUrl": "https://logs.example/?q=local-1633939963&from=1633939963507",
        "executorLogUrls": None,
    }


def test_a_livy_session_shows_unset_cores_and_executors_as_zero() -> None:
    session = application(ApplicationType.SESSION)
    unset = session.model_copy(
        update={
            "submit_params": session.submit_params.model_copy(
                update={"driver_cores": None, "executor_cores": None, "num_executors": None}
            )
        }
    )
    shown = livy.render_application(unset)
    assert (shown["driverCores"], shown["executorCores"], shown["numExecutors"]) == (0, 0, 0)


def test_livy_version_is_0_9_0_with_livys_keys() -> None:
    shown = livy.render_version()
    assert shown["version"] == "0.9.0-incubating"
    assert set(shown) == {"url", "branch", "revision", "version", "date", "user"}


def test_livy_pages_states_logs_and_errors() -> None:
    page = livy.render_page([application()], offset=0, total=1)
    assert set(page) == {"from", "total", "sessions"}  # batches too: Livy's key
    assert livy.render_state(application()) == {"id": 7, "state": "running"}
    log = livy.render_log(application(), LogPage(offset=0, total=1, lines=["l"]))
    assert log == {"id": 7, "from": 0, "total": 1, "log": ["l"]}
    assert livy.render_error("Session 3 not found") == {"msg": "Session 3 not found"}


# Shared pieces


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, None),
        (CREATED, "2021-10-11T08:12:43.507390"),
        (datetime(2021, 10, 11, 8, 12, 43), "2021-10-11T08:12:43.000000"),
        (
            datetime(2021, 10, 11, 10, 12, 43, 5, tzinfo=timezone(timedelta(hours=2))),
            "2021-10-11T08:12:43.000005",
        ),
    ],
)
def test_lighter_times_are_utc_without_an_offset(value: datetime | None, shown: str | None) -> None:
    assert lighter_time(value) == shown


@pytest.mark.parametrize(
    ("value", "millis"),
    [(None, None), (CREATED, 1633939963507), (datetime(1970, 1, 1, 0, 0, 1), 1000)],
)
def test_livy_times_are_epoch_milliseconds(value: datetime | None, millis: int | None) -> None:
    assert epoch_millis(value) == millis


TEXT = "\n".join(f"l{i}" for i in range(10))


@pytest.mark.parametrize(
    ("text", "offset", "size", "default", "expected"),
    [
        (None, None, None, None, LogPage(0, 0, [])),
        (TEXT, None, None, None, LogPage(0, 10, [f"l{i}" for i in range(10)])),
        (TEXT, None, None, 3, LogPage(7, 10, ["l7", "l8", "l9"])),
        (TEXT, None, 2, 3, LogPage(8, 10, ["l8", "l9"])),
        (TEXT, 2, 3, None, LogPage(2, 10, ["l2", "l3", "l4"])),
        (TEXT, 8, None, None, LogPage(8, 10, ["l8", "l9"])),
        (TEXT, 20, 5, None, LogPage(20, 10, [])),
        ("a\nb", None, 100, None, LogPage(0, 2, ["a", "b"])),
    ],
)
def test_log_pages(
    text: str | None, offset: int | None, size: int | None, default: int | None, expected: LogPage
) -> None:
    assert log_page(text, offset, size, default_size=default) == expected
