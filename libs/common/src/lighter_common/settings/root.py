"""All of Lighter's settings: one group per concern, and what takes several groups to answer.

`Settings()` reads every group from the environment. A group given when constructing
(`Settings(server=ServerSettings(data_dir=…))`) is used as it is; one given as a dict is
validated without reading the environment.
"""

from collections.abc import Iterator
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lighter_common.domain.app_links import LinkTemplates
from lighter_common.domain.conf_policy import patterns
from lighter_common.domain.submission_policy import SubmissionPolicy, submission_policy
from lighter_common.settings.backends import (
    KubernetesSettings,
    LocalSettings,
    SimulatedSettings,
    YarnSettings,
)
from lighter_common.settings.group import SettingsGroup
from lighter_common.settings.service import (
    BusSettings,
    LimitsSettings,
    LoopSettings,
    ServerSettings,
    StoreSettings,
)
from lighter_common.settings.sessions import SessionSettings
from lighter_common.settings.sharing import LinkSettings, SharingSettings


class Settings(BaseModel):
    # A setting given by its old flat name (`Settings(data_dir=…)`) is an error, not ignored.
    model_config = ConfigDict(extra="forbid")

    server: ServerSettings = Field(default_factory=ServerSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    bus: BusSettings = Field(default_factory=BusSettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    loops: LoopSettings = Field(default_factory=LoopSettings)
    sessions: SessionSettings = Field(default_factory=SessionSettings)
    sharing: SharingSettings = Field(default_factory=SharingSettings)
    links: LinkSettings = Field(default_factory=LinkSettings)
    local: LocalSettings = Field(default_factory=LocalSettings)
    kubernetes: KubernetesSettings = Field(default_factory=KubernetesSettings)
    yarn: YarnSettings = Field(default_factory=YarnSettings)
    simulated: SimulatedSettings = Field(default_factory=SimulatedSettings)

    @classmethod
    def groups(cls) -> Iterator[tuple[str, type[SettingsGroup]]]:
        """Each group's name and model, in the order above."""
        for name, field in cls.model_fields.items():
            assert isinstance(field.annotation, type) and issubclass(
                field.annotation, SettingsGroup
            )
            yield name, field.annotation

    @model_validator(mode="after")
    def _enabled_switch_selects_its_backend(self) -> "Settings":
        # Lighter's LIGHTER_KUBERNETES_ENABLED=true (or LIGHTER_YARN_ENABLED=true) means that
        # backend, unless LIGHTER_BACKEND names another one explicitly.
        if "backend" in self.server.model_fields_set:
            return self
        if self.kubernetes.enabled:
            self.server = self.server.model_copy(update={"backend": "kubernetes"})
        elif self.yarn.enabled:
            self.server = self.server.model_copy(update={"backend": "yarn"})
        return self

    def submission_policy(self, *, local_paths_open: bool) -> SubmissionPolicy:
        """The conf policy and local-file rule; `local_paths_open` when no directory is named.
        Built once per settings (its directories are resolved through symlinks)."""
        return self._open_policy if local_paths_open else self._closed_policy

    @cached_property
    def _open_policy(self) -> SubmissionPolicy:
        return self._build_submission_policy(local_paths_open=True)

    @cached_property
    def _closed_policy(self) -> SubmissionPolicy:
        return self._build_submission_policy(local_paths_open=False)

    def _build_submission_policy(self, *, local_paths_open: bool) -> SubmissionPolicy:
        sharing = self.sharing
        dirs = None
        if sharing.allowed_local_dirs is not None or not local_paths_open:
            dirs = patterns(sharing.allowed_local_dirs or "")
        return submission_policy(
            conf_deny=sharing.conf_deny,
            conf_allow=sharing.conf_allow,
            fixed_keys=self._operator_fixed_keys(),
            allowed_local_dirs=dirs,
            local_scheme_is_server=self.server.backend == "local",
        )

    def _operator_fixed_keys(self) -> list[str]:
        keys = ["spark.kubernetes.submission.waitAppCompletion"]
        if self.server.backend == "yarn":
            keys.append("spark.yarn.submit.waitAppCompletion")
            yarn = self.yarn
            for key, value in (
                ("spark.yarn.archive", yarn.archive),
                ("spark.yarn.jars", yarn.jars),
                ("spark.pyspark.python", yarn.python),
            ):
                if value:
                    keys.append(key)
        if self.kubernetes.image:
            keys.append("spark.kubernetes.container.image")
        return keys

    @cached_property
    def link_templates(self) -> LinkTemplates:
        return LinkTemplates(
            spark_ui=self.links.spark_ui_url_template,
            driver_log=self.links.external_logs_url_template,
            spark_history_server=self.links.spark_history_server_url,
            namespace=self.kubernetes.namespace,
        )

    @property
    def is_distributed(self) -> bool:
        return bool(self.store.mongo_url and self.bus.rabbitmq_url)

    @property
    def kernel_base_url(self) -> str:
        """Where session drivers call home: the session-manager (the API in standalone)."""
        server = self.server
        if server.kernel_url:
            return server.kernel_url.rstrip("/")
        port = server.session_manager_port if self.is_distributed else server.port
        return f"http://{_reachable(server.host)}:{port}"

    @property
    def base_url(self) -> str:
        if self.server.public_url:
            return self.server.public_url.rstrip("/")
        return f"http://{_reachable(self.server.host)}:{self.server.port}"


def _reachable(host: str) -> str:
    """The address to call a service listening on `host` at."""
    return "127.0.0.1" if host in ("0.0.0.0", "::") else host
