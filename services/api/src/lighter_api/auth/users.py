"""The users file of the basic and bearer modes: names, groups, and only hashes of secrets.

Passwords are hashed with Argon2id (argon2-cffi). Tokens are 256 random bits made here, so
a fast hash (SHA-256) already makes them unguessable from the file; it also lets a bearer
token be found among all users' without a slow hash per candidate. Comparisons are
constant-time.

The file is JSON: `{"users": [{"name", "groups", "passwordHash", "tokenHashes"}]}`; it is
read again whenever it changes, so `lighter users` needs no restart, and a removed user or a
revoked secret stops working at once, UI logins included.
"""

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

TOKEN_PREFIX = "lighter_"
_TOKEN_HASH_PREFIX = "sha256:"
_hasher = PasswordHasher()
# Checked when the user does not exist, so that an unknown name costs as long as a known one.
_UNKNOWN_USER_HASH = _hasher.hash(secrets.token_urlsafe(16))


class User(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    name: str = Field(min_length=1, pattern=r"^[^\s:,]+$")
    groups: list[str] = Field(default_factory=list)
    password_hash: str | None = None
    token_hashes: list[str] = Field(default_factory=list)


class UsersFile(BaseModel):
    users: list[User] = Field(default_factory=list)

    def find(self, name: str) -> User | None:
        return next((user for user in self.users if user.name == name), None)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(user: User | None, password: str) -> bool:
    """Whether `password` is the user's; takes as long for an unknown user."""
    stored = user.password_hash if user is not None else None
    try:
        return _hasher.verify(stored or _UNKNOWN_USER_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return _TOKEN_HASH_PREFIX + hashlib.sha256(token.encode()).hexdigest()


def token_owner(users: UsersFile, token: str) -> User | None:
    """The user holding `token`; every stored hash is compared, in constant time each."""
    presented = hash_token(token)
    owner = None
    for user in users.users:
        for stored in user.token_hashes:
            if hmac.compare_digest(stored, presented):
                owner = user
    return owner


def password_fingerprint(user: User) -> str:
    """Names the user's current password (a digest of its stored hash) for a login record."""
    return "password:" + hashlib.sha256((user.password_hash or "").encode()).hexdigest()


def holds_credential(user: User, fingerprint: str) -> bool:
    """Whether the secret `fingerprint` names is still the user's (not changed or revoked)."""
    current = [*user.token_hashes]
    if user.password_hash is not None:
        current.append(password_fingerprint(user))
    return any(hmac.compare_digest(stored, fingerprint) for stored in current)


def read(path: Path) -> UsersFile:
    if not path.exists():
        return UsersFile()
    return UsersFile.model_validate_json(path.read_bytes())


def write(path: Path, users: UsersFile) -> None:
    """Replace the file atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    text = users.model_dump_json(by_alias=True, indent=2)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # a `.partial` left by an earlier run keeps its own mode
    with os.fdopen(descriptor, "w") as file:
        file.write(text + "\n")
    partial.replace(path)


def add_user(
    path: Path,
    name: str,
    *,
    groups: list[str],
    password: str | None = None,
    with_token: bool = False,
) -> str | None:
    """Add `name` (or update their groups and password, adding a token); returns a new token."""
    users = read(path)
    user = users.find(name)
    if user is None:
        user = User(name=name)
        users.users.append(user)
    user.groups = groups or user.groups
    if password is not None:
        user.password_hash = hash_password(password)
    token = new_token() if with_token else None
    if token is not None:
        user.token_hashes.append(hash_token(token))
    write(path, users)
    return token


class UnknownUser(LookupError):
    pass


def _changed(path: Path, name: str) -> tuple[UsersFile, User]:
    users = read(path)
    user = users.find(name)
    if user is None:
        raise UnknownUser(f"no user {name} in {path}")
    return users, user


def remove_user(path: Path, name: str) -> None:
    """Remove `name`: their password, tokens and UI logins stop working at once."""
    users, user = _changed(path, name)
    users.users.remove(user)
    write(path, users)


def revoke_tokens(path: Path, name: str, *, token: str | None = None) -> int:
    """Revoke one of the user's tokens (`token`), or all of them; returns how many."""
    users, user = _changed(path, name)
    kept = [h for h in user.token_hashes if token is not None and h != hash_token(token)]
    revoked = len(user.token_hashes) - len(kept)
    user.token_hashes = kept
    write(path, users)
    return revoked


def set_groups(path: Path, name: str, groups: list[str]) -> None:
    """Give the user exactly `groups`, none when empty."""
    users, user = _changed(path, name)
    user.groups = groups
    write(path, users)


class UsersSource:
    """The users file, read again when it changes (one stat per call)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stamp: tuple[int, int, int] | None = None
        self._users = UsersFile()

    def current(self) -> UsersFile:
        try:
            stat = self._path.stat()
            # The inode too: `write` replaces the file, which may keep its time and size.
            stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            return UsersFile()
        if stamp != self._stamp:
            self._users, self._stamp = read(self._path), stamp
        return self._users
