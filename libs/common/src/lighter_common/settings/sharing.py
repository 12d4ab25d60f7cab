"""Sharing one Lighter between users, and the links each application shows."""

from pydantic import Field, field_validator

from lighter_common.domain.app_links import template_problem
from lighter_common.settings.group import SettingsGroup


class SharingSettings(SettingsGroup):
    """What users may ask of a shared Lighter (the README's "Security model")."""

    conf_deny: str = Field(
        default="",
        description="Conf key patterns (`*` for any run of characters, comma-separated) users "
        "may not set, beyond the default deny-list (domain/conf_policy.py)",
    )
    conf_allow: str = Field(
        default="", description="Patterns of the default deny-list users may set after all"
    )
    conf_policy_exempts_superusers: bool = Field(
        default=False, description="Superusers' submissions skip the conf policy"
    )
    allowed_local_dirs: str | None = Field(
        default=None,
        description="Directories (comma-separated) whose files submissions may name by a local "
        "path; unset: any while authentication is off, none while it is on",
    )


class LinkSettings(SettingsGroup):
    """Links in each application's appInfo; templates fill in `{id}`, `{livyId}`, `{appId}`,
    `{createdTs}`, and on Kubernetes `{namespace}` and `{pod}` (domain/app_links.py)."""

    spark_history_server_url: str | None = Field(
        default=None,
        description="The History Server: each application's `appInfo.sparkHistoryUrl`, the "
        "UI's link, `/lighter/api/configuration`",
    )
    external_logs_url_template: str | None = Field(
        default=None, description="`appInfo.driverLogUrl`, a link to your log system"
    )
    spark_ui_url_template: str | None = Field(
        default=None,
        description="`appInfo.sparkUiUrl` (else the address the driver reports)",
    )

    @field_validator("external_logs_url_template", "spark_ui_url_template")
    @classmethod
    def _known_placeholders(cls, value: str | None) -> str | None:
        problem = template_problem(value) if value else None
        if problem is not None:
            raise ValueError(problem)
        return value
