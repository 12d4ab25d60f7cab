"""Lighter's own Kubernetes settings select and configure the kubernetes backend."""

import pytest
from lighter_common.backends import open_backend
from lighter_common.settings import Settings


def test_lighter_kubernetes_enabled_selects_the_kubernetes_backend(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIGHTER_KUBERNETES_ENABLED", "true")
    monkeypatch.setenv("LIGHTER_KUBERNETES_NAMESPACE", "jobs")
    monkeypatch.setenv("LIGHTER_KUBERNETES_SERVICE_ACCOUNT", "spark-driver")
    monkeypatch.setenv("LIGHTER_KUBERNETES_UNSCHEDULABLE_TIMEOUT", "2m")

    settings = Settings()

    assert settings.server.backend == "kubernetes"
    assert (settings.kubernetes.namespace, settings.kubernetes.service_account) == (
        "jobs",
        "spark-driver",
    )
    assert settings.kubernetes.unschedulable_timeout == 120
    assert open_backend(settings).name == "kubernetes"


def test_an_explicit_backend_wins_over_kubernetes_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIGHTER_KUBERNETES_ENABLED", "true")
    monkeypatch.setenv("LIGHTER_BACKEND", "simulated")

    assert Settings().server.backend == "simulated"
