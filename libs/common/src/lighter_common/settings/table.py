"""Every setting as a row: group, variable(s), default, description (`lighter settings`).

Made from the models alone, never from the environment: a secret's current value is never
printed, only its default.
"""

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from pydantic import AliasChoices
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings

from lighter_common.settings.durations import DurationMark, duration_text

UNSET = "\N{EN DASH}"  # no default


@dataclass(frozen=True)
class SettingRow:
    group: str
    group_description: str
    field: str
    variables: tuple[str, ...]
    default: str
    description: str


def variables(model: type[BaseSettings], field: str) -> tuple[str, ...]:
    """The environment variables that set `field`, the first being its own name."""
    info = model.model_fields[field]
    alias = info.validation_alias
    if isinstance(alias, str):
        return (alias.upper(),)
    if isinstance(alias, AliasChoices):
        return tuple(str(choice).upper() for choice in alias.choices)
    return (f"{model.model_config.get('env_prefix', '')}{field}".upper(),)


def setting_rows(groups: Iterable[tuple[str, type[BaseSettings]]]) -> list[SettingRow]:
    return [
        SettingRow(
            group=group,
            group_description=" ".join((model.__doc__ or "").split("\n\n")[0].split()),
            field=field,
            variables=variables(model, field),
            default=_default_text(info),
            description=info.description or "",
        )
        for group, model in groups
        for field, info in model.model_fields.items()
    ]


def _default_text(info: FieldInfo) -> str:
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
    elif info.default is PydanticUndefined:
        return UNSET
    else:
        value = info.default
    if value is None or value == "":
        return UNSET
    if any(isinstance(mark, DurationMark) for mark in info.metadata):
        return duration_text(float(value))
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list) and not value:
        return "[]"
    return str(value)


def as_text(rows: Iterable[SettingRow]) -> str:
    """One block per group: each variable, its default, and what it does."""
    out: list[str] = []
    group = None
    for row in rows:
        if row.group != group:
            group = row.group
            out.append(f"{'' if not out else chr(10)}[{group}] {row.group_description}")
        out.append(f"  {', '.join(row.variables)} = {row.default}")
        out.append(
            textwrap.fill(
                row.description, width=96, initial_indent=" " * 6, subsequent_indent=" " * 6
            )
        )
    return "\n".join(out) + "\n"


def as_markdown(rows: Iterable[SettingRow]) -> str:
    """A Markdown table: group, variable(s), default, description."""
    out = ["| group | variable | default | description |", "| --- | --- | --- | --- |"]
    for row in rows:
        names = ", ".join(f"`{name}`" for name in row.variables)
        default = row.default if row.default == UNSET else f"`{_cell(row.default)}`"
        out.append(f"| {row.group} | {names} | {default} | {_cell(row.description)} |")
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
