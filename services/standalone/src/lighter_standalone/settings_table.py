"""`lighter settings [--markdown]`: every setting, its variable(s), default and description."""

import argparse

from lighter_api.auth.settings import AuthSettings
from lighter_common.settings import Settings
from lighter_common.settings.table import SettingRow, as_markdown, as_text, setting_rows


def all_rows() -> list[SettingRow]:
    """Lighter's settings and the API's authentication settings, from their models."""
    return setting_rows([*Settings.groups(), ("auth", AuthSettings)])


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        prog="lighter settings",
        description="Every setting: its group, environment variable(s), default and meaning. "
        "Made from the settings' models: it shows defaults, never the environment's values.",
    )
    parser.add_argument("--markdown", action="store_true", help="as a Markdown table")
    args = parser.parse_args(argv)
    rows = all_rows()
    print(as_markdown(rows) if args.markdown else as_text(rows), end="")
