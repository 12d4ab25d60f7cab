"""The users file of the basic and bearer modes: names, groups, and only hashes of secrets.

Passwords are hashed with Argon2id (argon2-cffi). Tokens are 256 random bits made here, so
a fast hash (SHA-256) already makes them unguessable from the file; it also lets a bearer
token be found among all users' without a slow hash per candidate. Comparisons are
constant-time.

The file is JSON: `{"users": [{"name", "groups", "passwordHash", "tokenHashes"}]}`; it is
read again whenever it changes, so `lighter users add` needs no restart.
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


class UsersSource:
    """The users file, read again when its modification time changes."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stamp: tuple[int, int] | None = None
        self._users = UsersFile()

    def current(self) -> UsersFile:
        try:
            stat = self._path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            return UsersFile()
        if stamp != self._stamp:
            self._users, self._stamp = read(self._path), stamp
        return self._users
