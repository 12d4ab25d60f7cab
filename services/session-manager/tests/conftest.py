from pathlib import Path

import pytest
from lighter_common.domain.application import (
    Application,
    ApplicationType,
    new_kernel_secret,
)
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.settings import ServerSettings, SessionSettings, Settings

from tests.harness.in_process import bus, store

__all__ = ["bus", "store"]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        server=ServerSettings(data_dir=tmp_path),
        sessions=SessionSettings(kernel_poll_timeout=5.0, session_check_interval=0.1),
    )


def new_session(
    state: ApplicationState = ApplicationState.STARTING,
    *,
    type: ApplicationType = ApplicationType.SESSION,
    generation: int = 0,
    **params: object,
) -> Application:
    return Application(
        type=type,
        state=state,
        kind="pyspark",
        submit_params=SubmitParams.model_validate(params),
        kernel_secret=new_kernel_secret(),
        generation=generation,
    )
