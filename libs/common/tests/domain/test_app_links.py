"""An application's links from URL templates: placeholders, both brace styles, unknown values."""

from datetime import UTC, datetime

import pytest
from lighter_common.domain.app_links import (
    AppLinks,
    LinkTemplates,
    app_links,
    render_url,
    template_problem,
)
from lighter_common.domain.application import AppInfo, Application, ApplicationType
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.settings import Settings
from pydantic import ValidationError

CREATED = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def app(
    *,
    app_id: str | None = "spark-0001",
    backend: str = "kubernetes",
    backend_ref: str | None = "lighter-app-1-0-abcd",
    reported: AppInfo | None = None,
) -> Application:
    return Application(
        id="app-1",
        livy_id=4,
        type=ApplicationType.BATCH,
        app_id=app_id,
        app_info=reported or AppInfo(),
        submit_params=SubmitParams(file="job.py"),
        created_at=CREATED,
        backend=backend,
        backend_ref=backend_ref,
    )


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("https://ui/{namespace}/{pod}/{appId}", "https://ui/jobs/lighter-app-1-0-abcd/spark-0001"),
        (
            "https://logs/?id={{id}}&app={{appId}}&t={{createdTs}}",
            "https://logs/?id=app-1&app=spark-0001&t=1767323045678",
        ),
        ("https://livy/{livyId}", "https://livy/4"),
        ("https://static", "https://static"),
    ],
)
def test_a_template_is_filled_with_the_applications_values(template: str, expected: str) -> None:
    links = app_links(app(), LinkTemplates(spark_ui=template, namespace="jobs"))

    assert links.spark_ui_url == expected


def test_a_link_is_absent_while_one_of_its_values_is_unknown() -> None:
    templates = LinkTemplates(
        spark_ui="https://ui/{appId}", driver_log="https://logs/{pod}", namespace="jobs"
    )

    before_spark_reports = app_links(app(app_id=None), templates)
    on_the_local_backend = app_links(app(backend="local", backend_ref="1234"), templates)

    assert before_spark_reports.spark_ui_url is None
    assert on_the_local_backend.driver_log_url is None
    assert on_the_local_backend.spark_ui_url == "https://ui/spark-0001"


def test_without_templates_the_links_the_driver_reported_are_kept() -> None:
    reported = AppInfo(spark_ui_url="http://10.0.0.7:4040", driver_log_url="http://nm/log")

    links = app_links(app(reported=reported), LinkTemplates())

    assert links == AppLinks(driver_log_url="http://nm/log", spark_ui_url="http://10.0.0.7:4040")


def test_a_template_replaces_the_address_the_driver_reported() -> None:
    reported = AppInfo(spark_ui_url="http://10.0.0.7:4040")

    links = app_links(app(reported=reported), LinkTemplates(spark_ui="https://spark/{appId}"))

    assert links.spark_ui_url == "https://spark/spark-0001"


def test_the_history_server_link_is_the_configured_server_and_the_spark_id() -> None:
    templates = LinkTemplates(spark_history_server="http://history:18080/")

    assert app_links(app(), templates).spark_history_url == (
        "http://history:18080/history/spark-0001/jobs/"
    )
    assert app_links(app(app_id=None), templates).spark_history_url is None


def test_unknown_placeholders_are_a_problem_that_names_them() -> None:
    problem = template_problem("https://ui/{appid}/{{podName}}/{id}")

    assert problem is not None
    assert "{appid}, {podName}" in problem
    assert template_problem("https://ui/{appId}/{{id}}") is None
    assert render_url("https://ui/{appId}", {"appId": "x"}) == "https://ui/x"


def test_settings_refuse_a_template_with_an_unknown_placeholder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIGHTER_SPARK_UI_URL_TEMPLATE", "https://ui/{spark_app_id}")

    with pytest.raises(ValidationError, match=r"unknown placeholder \{spark_app_id\}"):
        Settings()


def test_settings_name_the_templates_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIGHTER_SPARK_UI_URL_TEMPLATE", "https://ui/{namespace}/{pod}")
    monkeypatch.setenv("LIGHTER_EXTERNAL_LOGS_URL_TEMPLATE", "https://logs/{{appId}}")
    monkeypatch.setenv("LIGHTER_SPARK_HISTORY_SERVER_URL", "https://history")
    monkeypatch.setenv("LIGHTER_KUBERNETES_NAMESPACE", "jobs")

    assert Settings().link_templates == LinkTemplates(
        spark_ui="https://ui/{namespace}/{pod}",
        driver_log="https://logs/{{appId}}",
        spark_history_server="https://history",
        namespace="jobs",
    )
