"""`lighter users add NAME [--groups a,b] (--password-stdin | --token)`, as an operator runs it."""

import io
import json
from pathlib import Path

import pytest
from lighter_api.auth import users
from lighter_standalone.cli import main


def lighter_users(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str, stdin: str = ""
) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    main(["users", "add", *args])
    return capsys.readouterr().out


def test_a_user_gets_groups_a_hashed_password_and_a_token_printed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "users.json"
    monkeypatch.setenv("LIGHTER_AUTH_USERS_FILE", str(path))
    added = lighter_users(
        monkeypatch,
        capsys,
        "ada",
        "--groups",
        "analysts, ops",
        "--password-stdin",
        stdin="s3cret\n",
    )
    token = lighter_users(monkeypatch, capsys, "ada", "--token").strip()
    again = lighter_users(monkeypatch, capsys, "ada", "--token").strip()

    assert added == ""
    assert token.startswith(users.TOKEN_PREFIX) and again != token
    text = path.read_text()
    assert "s3cret" not in text and token not in text
    stored = users.read(path)
    ada = stored.find("ada")
    assert ada is not None and ada.groups == ["analysts", "ops"]
    assert users.password_matches(ada, "s3cret")
    assert users.token_owner(stored, token) is ada
    assert users.token_owner(stored, again) is ada
    assert len(json.loads(text)["users"]) == 1


@pytest.mark.parametrize(
    ("args", "stdin", "complaint"),
    [
        (["ada"], "", "one of the arguments --password-stdin --token is required"),
        (["ada", "--password-stdin", "--token"], "pw\n", "not allowed with argument"),
        (["ada", "--password-stdin"], "\n", "the password read from standard input is empty"),
        (["bad name", "--token"], "", "pattern"),
    ],
)
def test_a_wrong_command_says_what_is_wrong_and_changes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    stdin: str,
    complaint: str,
) -> None:
    path = tmp_path / "users.json"
    with pytest.raises(SystemExit) as refused:
        lighter_users(monkeypatch, capsys, *args, "--file", str(path), stdin=stdin)
    assert refused.value.code == 2
    assert complaint in capsys.readouterr().err
    assert not path.exists()
