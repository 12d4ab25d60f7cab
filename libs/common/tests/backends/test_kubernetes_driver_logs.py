"""A driver pod's log as the backend reads it: an empty answer of the pod log API (a driver
that has written nothing yet, which the client hands over as None) is an empty log."""

from pathlib import Path
from typing import Any

import pytest
from lighter_common.backends.kubernetes.backend import KubernetesBackend
from lighter_common.backends.kubernetes.driver_log_files import tail
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.settings import ServerSettings, Settings


class SilentPodLogs:
    async def read_namespaced_pod_log(self, *args: Any, **kwargs: Any) -> None:
        return None


async def test_a_driver_that_has_written_nothing_has_an_empty_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = KubernetesBackend(Settings(server=ServerSettings(data_dir=tmp_path)))

    async def api() -> SilentPodLogs:
        return SilentPodLogs()

    monkeypatch.setattr(backend, "_api", api)
    app = Application(type=ApplicationType.BATCH, submit_params=SubmitParams(file="job.py"))

    assert await backend.logs(app, 4096) == ""


@pytest.mark.parametrize(
    ("text", "max_bytes", "kept"),
    [("", 10, ""), ("short\n", 10, "short\n"), ("first line\nsecond\n", 10, "second\n")],
)
def test_the_tail_keeps_whole_lines(text: str, max_bytes: int, kept: str) -> None:
    assert tail(text, max_bytes) == kept
