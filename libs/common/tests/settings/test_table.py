"""The settings as rows, text and a Markdown table: from the models, never the environment."""

import pytest
from lighter_common.settings import KubernetesSettings, Settings, StoreSettings
from lighter_common.settings.durations import duration_text
from lighter_common.settings.table import UNSET, as_markdown, as_text, setting_rows, variables


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(300, "5m"), (7 * 24 * 3600, "7d"), (3600, "1h"), (0.5, "0.5s"), (75, "75s"), (0, "0s")],
)
def test_durations_print_in_their_largest_unit(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


def test_a_variable_is_its_groups_prefix_and_field_or_its_aliases() -> None:
    assert variables(KubernetesSettings, "image") == ("LIGHTER_KUBERNETES_IMAGE",)
    assert variables(StoreSettings, "mongo_url") == ("LIGHTER_MONGO_URL",)
    session = dict(Settings.groups())["sessions"]
    assert variables(session, "session_timeout_interval") == (
        "LIGHTER_SESSION_TIMEOUT_INTERVAL",
        "LIGHTER_SESSION_TIMEOUT_MINUTES",
    )


def test_the_markdown_table_has_a_row_per_setting() -> None:
    rows = setting_rows([("kubernetes", KubernetesSettings)])
    table = as_markdown(rows).splitlines()
    assert table[:2] == [
        "| group | variable | default | description |",
        "| --- | --- | --- | --- |",
    ]
    assert len(table) == 2 + len(KubernetesSettings.model_fields)
    assert (
        "| kubernetes | `LIGHTER_KUBERNETES_UNSCHEDULABLE_TIMEOUT` | `5m` | "
        "Then an unschedulable driver has failed |"
    ) in table
    assert f"| kubernetes | `LIGHTER_KUBERNETES_IMAGE` | {UNSET} |" in "\n".join(table)


def test_every_setting_is_described() -> None:
    assert [row.variables for row in setting_rows(Settings.groups()) if not row.description] == []


def test_values_in_the_environment_are_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIGHTER_MONGO_URL", "mongodb://lighter:hunter2@db")
    rows = setting_rows(Settings.groups())
    assert "hunter2" not in as_markdown(rows) + as_text(rows)
