import pytest
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.driver import DriverKey, DriverPhase, zombie_reason
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.submit_params import SubmitParams

A = ApplicationState


def app(state: A = A.RUNNING, **fields: object) -> Application:
    return Application(
        type=ApplicationType.SESSION, state=state, submit_params=SubmitParams(), **fields
    )


@pytest.mark.parametrize(
    ("application", "generation", "reason"),
    [
        (None, 0, "its application does not exist"),
        (app(deleted=True), 0, "its application was deleted"),
        (app(A.SUCCESS), 0, "its application is success"),
        (app(A.KILLED), 0, "its application is killed"),
        (app(A.STARTING, generation=2), 1, "its application moved on to generation 2"),
        (app(A.STARTING, generation=2), 2, None),
        (app(A.NOT_STARTED), 0, None),
        (app(A.IDLE), 0, None),
    ],
)
def test_which_live_drivers_are_zombies(
    application: Application | None, generation: int, reason: str | None
) -> None:
    key = DriverKey(application.id if application else "gone", generation)

    assert zombie_reason(application, key) == reason


def test_only_starting_and_running_are_alive_phases() -> None:
    alive = {phase for phase in DriverPhase if not phase.ended}

    assert alive == {DriverPhase.STARTING, DriverPhase.RUNNING}
