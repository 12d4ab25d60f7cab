"""`lighter users add NAME [--groups a,b] (--password-stdin | --token)`: the users file of
the basic and bearer authentication modes (LIGHTER_AUTH_USERS_FILE)."""

import argparse
import sys
from pathlib import Path

from lighter_api.auth import users
from lighter_api.auth.settings import AuthSettings
from lighter_common.domain.access import names


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        prog="lighter users", description="Manage the users file (LIGHTER_AUTH_USERS_FILE)."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add a user, or give one a new password or token")
    add.add_argument("name")
    add.add_argument("--groups", default="", help="comma-separated groups")
    secret = add.add_mutually_exclusive_group(required=True)
    secret.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    secret.add_argument(
        "--token", action="store_true", help="make a new token and print it (only this once)"
    )
    add.add_argument("--file", type=Path, help="the users file (default: LIGHTER_AUTH_USERS_FILE)")
    args = parser.parse_args(argv)

    path = args.file or AuthSettings().users_file
    if path is None:
        parser.error("name the users file with --file or LIGHTER_AUTH_USERS_FILE")
    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            parser.error("the password read from standard input is empty")
    try:
        token = users.add_user(
            path,
            args.name,
            groups=sorted(names(args.groups)),
            password=password,
            with_token=args.token,
        )
    except ValueError as error:  # a name the file cannot hold
        parser.error(str(error))
    if token is not None:
        print(token)
    print(f"user {args.name} saved in {path}", file=sys.stderr)
