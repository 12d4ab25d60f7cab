"""Model attribute names and values, as a stored document spells them.

Callers of the store name fields the pydantic way (`backend_ref`, `app_info`) and pass enums,
datetimes, nested models or plain dicts; documents hold camelCase keys and serialized values.
"""

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter

from lighter_common.domain.application import ACTIVITY_FIELDS


def document_fields(
    model: type[BaseModel],
    values: Mapping[str, Any],
    *,
    mode: Literal["python", "json"],
) -> dict[str, Any]:
    """Document keys and values for `values`, validated against the model's fields.

    `mode="python"` keeps datetimes as datetimes (for BSON); `mode="json"` gives JSON types.
    Raises ValueError on a name the model does not have.
    """
    document: dict[str, Any] = {}
    for name, value in values.items():
        key, adapter = _field(model, name)
        document[key] = adapter.dump_python(
            adapter.validate_python(value), mode=mode, by_alias=True
        )
    return document


@cache
def _field(model: type[BaseModel], name: str) -> tuple[str, TypeAdapter[Any]]:
    info = model.model_fields.get(name)
    if info is None or info.annotation is None:
        raise ValueError(f"{model.__name__} has no field {name!r}")
    return info.alias or name, TypeAdapter(info.annotation)


def model_value(model: type[BaseModel], name: str, value: Any) -> Any:
    """`value` as the model's field `name` holds it (an enum for a string, and so on)."""
    return _field(model, name)[1].validate_python(value)


def require_activity_fields(names: Iterable[str]) -> None:
    """Raise ValueError unless every name is an activity time (written without the log)."""
    others = sorted(set(names) - ACTIVITY_FIELDS)
    if others:
        raise ValueError(f"{others} are changes, not activity times: use update_application")
