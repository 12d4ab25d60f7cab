"""`lighter settings`: every setting from the models, and the README's table is its output."""

import re
from pathlib import Path

import pytest
from lighter_common.backends.readiness import UnworkableSettings
from lighter_common.settings import ServerSettings, Settings
from lighter_common.settings.table import as_markdown
from lighter_standalone.cli import main
from lighter_standalone.main import run
from lighter_standalone.settings_table import all_rows

README = Path(__file__).resolve().parents[3] / "README.md"
TABLE = re.compile(r"<!-- settings:begin -->\n(.*?)<!-- settings:end -->", re.DOTALL)


def test_the_readme_holds_the_generated_table() -> None:
    found = TABLE.search(README.read_text())
    assert found is not None, "README.md lost its <!-- settings:begin/end --> markers"
    assert found.group(1) == as_markdown(all_rows()), (
        "README.md's settings table is out of date: replace what is between its "
        "<!-- settings:begin --> and <!-- settings:end --> markers with the output of "
        "`uv run lighter settings --markdown`"
    )


def test_the_table_has_every_group_and_authentication() -> None:
    groups = {row.group for row in all_rows()}
    assert groups == {name for name, _ in Settings.groups()} | {"auth"}
    variables = {name for row in all_rows() for name in row.variables}
    assert {"LIGHTER_AUTH_MODE", "LIGHTER_AUTH_SESSION_SECRET"} <= variables


def test_lighter_settings_prints_text_and_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    main(["settings"])
    text = capsys.readouterr().out
    assert "[kubernetes]" in text
    assert "  LIGHTER_KUBERNETES_NAMESPACE = spark" in text
    main(["settings", "--markdown"])
    assert capsys.readouterr().out == as_markdown(all_rows())


def test_a_secret_in_the_environment_is_not_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LIGHTER_AUTH_SESSION_SECRET", "do-not-print-me")
    main(["settings"])
    main(["settings", "--markdown"])
    assert "do-not-print-me" not in capsys.readouterr().out


async def test_standalone_refuses_the_kubernetes_backend_without_an_image(tmp_path: Path) -> None:
    settings = Settings(server=ServerSettings(backend="kubernetes", data_dir=tmp_path))
    with pytest.raises(UnworkableSettings, match="LIGHTER_KUBERNETES_IMAGE"):
        await run(settings)
    assert not (tmp_path / "lighter.db").exists()
