"""Settings for a test, named as the environment names them: `settings_of(data_dir=…,
kubernetes_image=…)` is what LIGHTER_DATA_DIR and LIGHTER_KUBERNETES_IMAGE would set."""

from typing import Any

from lighter_common.settings import Settings
from lighter_common.settings.table import variables


def settings_of(**values: object) -> Settings:
    """Settings with each value given by its variable's name without `LIGHTER_`, in lower
    case; the rest from the environment, as Lighter reads them."""
    groups: dict[str, dict[str, Any]] = {}
    left = {f"LIGHTER_{name.upper()}": value for name, value in values.items()}
    for group, model in Settings.groups():
        for field in model.model_fields:
            for variable in variables(model, field):
                if variable in left:
                    groups.setdefault(group, {})[field] = left.pop(variable)
    if left:
        raise TypeError(f"no such settings: {', '.join(sorted(left))}")
    return Settings(**{group: model(**groups.get(group, {})) for group, model in Settings.groups()})
