"""`lighter users`: the users file of the basic and bearer authentication modes
(LIGHTER_AUTH_USERS_FILE). A running Lighter reads the file again when it changes, so a
removed user, a revoked token or new groups apply to the next request, UI logins included.

    lighter users add NAME [--groups a,b] (--password-stdin | --token)
    lighter users groups NAME GROUPS          (GROUPS "" for none)
    lighter users revoke NAME [--token-stdin] (every token, or the one read)
    lighter users remove NAME
"""

import argparse
import sys
from pathlib import Path

from lighter_api.auth import users
from lighter_api.auth.settings import AuthSettings
from lighter_common.domain.access import names


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lighter users", description="Manage the users file (LIGHTER_AUTH_USERS_FILE)."
    )
    parser.add_argument(
        "--file", type=Path, help="the users file (default: LIGHTER_AUTH_USERS_FILE)"
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
    groups = commands.add_parser("groups", help='set a user\'s groups ("" for none)')
    groups.add_argument("name")
    groups.add_argument("groups", help='comma-separated groups, or "" for none')
    revoke = commands.add_parser("revoke", help="revoke a user's tokens")
    revoke.add_argument("name")
    revoke.add_argument(
        "--token-stdin",
        action="store_true",
        help="revoke only the token read from standard input (default: every token)",
    )
    remove = commands.add_parser("remove", help="remove a user")
    remove.add_argument("name")
    for sub in (add, groups, revoke, remove):  # also accepted after the command, as before
        sub.add_argument("--file", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def _line(parser: argparse.ArgumentParser, what: str) -> str:
    value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        parser.error(f"the {what} read from standard input is empty")
    return value


def main(argv: list[str]) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    path = args.file or AuthSettings().users_file
    if path is None:
        parser.error("name the users file with --file or LIGHTER_AUTH_USERS_FILE")
    try:
        if args.command == "add":
            password = _line(parser, "password") if args.password_stdin else None
            token = users.add_user(
                path,
                args.name,
                groups=sorted(names(args.groups)),
                password=password,
                with_token=args.token,
            )
            if token is not None:
                print(token)
            done = "saved"
        elif args.command == "groups":
            users.set_groups(path, args.name, sorted(names(args.groups)))
            done = f"given groups [{', '.join(sorted(names(args.groups)))}]"
        elif args.command == "revoke":
            token = _line(parser, "token") if args.token_stdin else None
            revoked = users.revoke_tokens(path, args.name, token=token)
            done = f"has {revoked} token(s) fewer"
        else:
            users.remove_user(path, args.name)
            done = "removed"
    except users.UnknownUser as unknown:
        parser.exit(1, f"lighter users: {unknown}\n")
    except ValueError as error:  # a name the file cannot hold
        parser.error(str(error))
    print(f"user {args.name} {done} in {path}", file=sys.stderr)
