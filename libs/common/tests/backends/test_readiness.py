"""A backend's needs checked at start-up: missing settings stop the process, naming the
variable; what the cluster refuses is asked again until it is given, each time logged."""

import logging
from pathlib import Path

import pytest
from lighter_common.backends.readiness import (
    UnworkableSettings,
    check_until_ready,
    refuse_unworkable,
    settings_problem,
)
from lighter_common.backends.simulated import SimulatedBackend
from lighter_common.settings import KubernetesSettings, ServerSettings, Settings, YarnSettings


def kubernetes(image: str | None) -> Settings:
    return Settings(
        server=ServerSettings(backend="kubernetes"), kubernetes=KubernetesSettings(image=image)
    )


def test_the_kubernetes_backend_without_an_image_is_refused_naming_the_variable() -> None:
    with pytest.raises(UnworkableSettings, match="LIGHTER_KUBERNETES_IMAGE"):
        refuse_unworkable(kubernetes(image=None))
    assert settings_problem(kubernetes(image="apache/spark:4.0.1-python3")) is None
    assert settings_problem(Settings(server=ServerSettings(backend="local"))) is None


def test_kubernetes_enabled_without_an_image_is_refused_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LIGHTER_BACKEND", raising=False)
    monkeypatch.delenv("LIGHTER_KUBERNETES_IMAGE", raising=False)
    monkeypatch.setenv("LIGHTER_KUBERNETES_ENABLED", "true")
    assert "LIGHTER_KUBERNETES_IMAGE" in str(settings_problem(Settings()))


def test_the_yarn_backend_without_hadoop_conf_dir_is_refused_naming_the_variable(
    tmp_path: Path,
) -> None:
    without = Settings(
        server=ServerSettings(backend="yarn"), yarn=YarnSettings(hadoop_conf_dir=None)
    )
    with pytest.raises(UnworkableSettings, match="HADOOP_CONF_DIR"):
        refuse_unworkable(without)
    given = without.model_copy(update={"yarn": YarnSettings(hadoop_conf_dir=tmp_path)})
    assert settings_problem(given) is None


class RefusesTwice(SimulatedBackend):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.asked = 0

    async def launch_problem(self) -> str | None:  # type: ignore[override]
        self.asked += 1
        if self.asked == 1:
            raise OSError("connection refused")
        return 'serviceaccount "spark" not found' if self.asked == 2 else None


async def test_the_check_asks_again_until_launches_can_succeed(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    backend = RefusesTwice(Settings(server=ServerSettings(data_dir=tmp_path)))
    with caplog.at_level(logging.INFO, logger="lighter_common.backends.readiness"):
        await check_until_ready(backend, retry_seconds=(0.0,))
    assert backend.asked == 3
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert "connection refused" in errors[0]
    assert 'serviceaccount "spark" not found' in errors[1]
    assert "can launch now" in caplog.records[-1].getMessage()
