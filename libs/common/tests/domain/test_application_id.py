"""Caller-chosen ids: one rule, held by the model, the settings and (through them) the API."""

import pytest
from lighter_common.domain.application import (
    Application,
    ApplicationType,
    application_id_problem,
    new_application_id,
)
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.settings import SessionSettings, Settings
from pydantic import ValidationError

GOOD = ["a", "0", "notebook-1", "Team_A.nightly", "x" * 64, new_application_id()]
BAD = ["", ".", "..", "-rf", "_x", "../etc", "a/b", "a b", "a\\b", "x" * 65, "é", "a\n"]


@pytest.mark.parametrize("value", GOOD)
def test_ids_that_match_the_rule_are_accepted(value: str) -> None:
    assert application_id_problem(value) is None
    app = Application(id=value, type=ApplicationType.SESSION, submit_params=SubmitParams())
    assert app.id == value


@pytest.mark.parametrize("value", BAD)
def test_other_ids_are_refused_naming_the_rule(value: str) -> None:
    problem = application_id_problem(value)
    assert problem is not None and "[A-Za-z0-9][A-Za-z0-9._-]{0,63}" in problem


@pytest.mark.parametrize("value", BAD)
def test_no_application_can_hold_a_refused_id(value: str) -> None:
    with pytest.raises(ValidationError, match=r"must match"):
        Application(id=value, type=ApplicationType.SESSION, submit_params=SubmitParams())
    with pytest.raises(ValidationError, match=r"must match"):
        Application.from_document(
            {"_id": value, "type": "SESSION", "submitParams": {}, "state": "idle"}
        )


@pytest.mark.parametrize("value", BAD)
def test_a_permanent_session_with_a_refused_id_is_a_configuration_error(value: str) -> None:
    with pytest.raises(ValidationError, match=r"permanent_sessions\.0\.id"):
        Settings(sessions=SessionSettings(permanent_sessions=[{"id": value}]))


def test_permanent_sessions_from_the_environment_are_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIGHTER_PERMANENT_SESSIONS", '[{"id": "-rf"}]')
    with pytest.raises(ValidationError, match=r"must match"):
        Settings()
    monkeypatch.setenv("LIGHTER_PERMANENT_SESSIONS", '[{"id": "shared-1"}]')
    assert [s.id for s in Settings().sessions.permanent_sessions] == ["shared-1"]
