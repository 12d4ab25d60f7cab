"""`lighter submitter` refuses to start with settings its backend cannot work with."""

from pathlib import Path

import pytest
from lighter_common.backends.readiness import UnworkableSettings
from lighter_common.settings import ServerSettings, Settings
from lighter_submitter.main import run


async def test_the_kubernetes_backend_without_an_image_stops_the_submitter_at_start(
    tmp_path: Path,
) -> None:
    settings = Settings(server=ServerSettings(backend="kubernetes", data_dir=tmp_path))
    with pytest.raises(UnworkableSettings, match="LIGHTER_KUBERNETES_IMAGE"):
        await run(settings)
