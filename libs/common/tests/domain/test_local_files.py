from pathlib import Path

import pytest
from lighter_common.domain.local_files import LocalFileRule


@pytest.mark.parametrize(
    "entry",
    ["s3a://b/k.py", "hdfs://nn/x.jar", "https://h/x.zip", "gs://b/x", "local:///opt/x.py"],
)
def test_remote_and_image_paths_need_no_directory(entry: str) -> None:
    assert LocalFileRule.of([]).problem("file", entry) is None


@pytest.mark.parametrize("entry", ["/etc/passwd", "rel.py", "file:/etc/passwd", "file:///a"])
def test_local_paths_need_an_allowed_directory(entry: str) -> None:
    problem = LocalFileRule.of([]).problem("pyFiles", entry)
    assert problem is not None and problem.startswith("pyFiles:")


def test_local_scheme_is_the_server_on_the_local_backend() -> None:
    rule = LocalFileRule.of([], local_scheme_is_server=True)
    assert rule.problem("file", "local:///etc/passwd") is not None


def test_open_rule_allows_everything() -> None:
    assert LocalFileRule.of(None).problem("file", "/etc/shadow") is None


def test_resolution_before_the_check(tmp_path: Path) -> None:
    allowed = tmp_path / "jobs"
    allowed.mkdir()
    (allowed / "link").symlink_to("/etc")
    rule = LocalFileRule.of([allowed])
    assert rule.problem("file", str(allowed / "a.py")) is None
    assert rule.problem("file", f"file://{allowed}/a%20b.py") is None
    assert rule.problem("file", str(allowed / ".." / "x.py")) is not None
    assert rule.problem("file", str(allowed / "link" / "passwd")) is not None
