"""The users file: only hashes are stored, and secrets are checked against them."""

import json
from pathlib import Path

from lighter_api.auth import users


def test_the_file_keeps_hashes_never_secrets(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    users.add_user(path, "alice", groups=["a"], password="correct horse")
    token = users.add_user(path, "alice", groups=[], with_token=True)

    text = path.read_text()
    assert token is not None and token.startswith(users.TOKEN_PREFIX)
    assert "correct horse" not in text and token not in text
    assert path.stat().st_mode & 0o777 == 0o600
    stored = json.loads(text)["users"][0]
    assert stored["groups"] == ["a"] and stored["passwordHash"].startswith("$argon2id$")

    read = users.read(path)
    alice = read.find("alice")
    assert users.password_matches(alice, "correct horse")
    assert not users.password_matches(alice, "wrong")
    assert not users.password_matches(None, "correct horse")
    assert users.token_owner(read, token) is alice
    assert users.token_owner(read, token + "x") is None


def test_the_source_reads_the_file_again_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    source = users.UsersSource(path)
    assert source.current().users == []
    users.add_user(path, "alice", groups=[], password="pw")
    assert source.current().find("alice") is not None
