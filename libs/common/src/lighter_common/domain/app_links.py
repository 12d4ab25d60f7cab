"""An application's links (Spark UI, History Server, driver log) from configured URL templates.

Templates name values in braces, `{appId}`, or as in the original Lighter's
LIGHTER_EXTERNAL_LOGS_URL_TEMPLATE, `{{appId}}`:

- `id`: Lighter's id; `livyId`: its Livy id; `appId`: Spark's application id;
- `createdTs`: when it was submitted, in milliseconds since the epoch;
- `namespace`: the Kubernetes namespace of its driver; `pod`: its driver pod's name.

A link whose values are not known yet (no Spark id before the driver reports it, no pod on
the local backend) is absent. Without a template, the link the driver reported is kept if it
is a safe http(s) URL (`driver_urls.safe_url`). Values go into templates percent-encoded: a
Spark id, which the driver reports, cannot change where a link leads.
"""

import re
from collections.abc import Mapping
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from lighter_common.domain.application import Application
from lighter_common.domain.driver_urls import safe_url

PLACEHOLDERS = ("id", "livyId", "appId", "createdTs", "namespace", "pod")
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}|\{(\w+)\}")
_KUBERNETES = "kubernetes"


class LinkTemplates(BaseModel):
    """What configuration says about links (settings.link_templates)."""

    model_config = ConfigDict(frozen=True)

    spark_ui: str | None = None  # LIGHTER_SPARK_UI_URL_TEMPLATE
    driver_log: str | None = None  # LIGHTER_EXTERNAL_LOGS_URL_TEMPLATE
    spark_history_server: str | None = None  # LIGHTER_SPARK_HISTORY_SERVER_URL (a base URL)
    namespace: str | None = None  # where Kubernetes drivers run


NO_TEMPLATES = LinkTemplates()


class AppLinks(BaseModel):
    """`appInfo` as the API shows it (Livy's `driverLogUrl` and `sparkUiUrl`, and more)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    driver_log_url: str | None = None
    spark_ui_url: str | None = None
    spark_history_url: str | None = None


def template_problem(template: str) -> str | None:
    """What is wrong with a URL template, or None."""
    unknown = sorted({name for name in _names(template) if name not in PLACEHOLDERS})
    if unknown:
        return (
            f"unknown placeholder {', '.join('{' + n + '}' for n in unknown)}; "
            f"known: {', '.join('{' + n + '}' for n in PLACEHOLDERS)}"
        )
    return None


def render_url(template: str, values: Mapping[str, str | None]) -> str | None:
    """`template` with its placeholders filled in; None while one of them has no value."""
    if any(values.get(name) is None for name in _names(template)):
        return None
    return _PLACEHOLDER.sub(
        lambda m: quote(str(values[m.group(1) or m.group(2)]), safe=""), template
    )


def app_links(app: Application, templates: LinkTemplates) -> AppLinks:
    values = link_values(app, templates.namespace)
    spark_ui = safe_url(app.app_info.spark_ui_url)
    if templates.spark_ui:
        spark_ui = render_url(templates.spark_ui, values)
    driver_log = safe_url(app.app_info.driver_log_url)
    if templates.driver_log:
        driver_log = render_url(templates.driver_log, values)
    history = None
    if templates.spark_history_server and app.app_id:
        base = templates.spark_history_server.rstrip("/")
        history = f"{base}/history/{quote(app.app_id, safe='')}/jobs/"
    return AppLinks(driver_log_url=driver_log, spark_ui_url=spark_ui, spark_history_url=history)


def link_values(app: Application, namespace: str | None) -> dict[str, str | None]:
    on_kubernetes = app.backend == _KUBERNETES
    return {
        "id": app.id,
        "livyId": str(app.livy_id) if app.livy_id >= 0 else None,
        "appId": app.app_id,
        "createdTs": str(int(app.created_at.timestamp() * 1000)),
        "namespace": namespace if on_kubernetes else None,
        "pod": app.backend_ref if on_kubernetes else None,
    }


def _names(template: str) -> list[str]:
    return [m.group(1) or m.group(2) for m in _PLACEHOLDER.finditer(template)]
