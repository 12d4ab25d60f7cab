"""Lighter's YARN application tags: what a driver carries, and reading them back."""

import pytest
from lighter_common.backends.yarn.tags import app_tag, driver_tags, spark_yarn_tags, tagged_driver
from lighter_common.domain.driver import DriverKey

UUID = "3f2b8c1e-9d4a-4e5b-8f6a-1c2d3e4f5a6b"


def test_a_driver_carries_the_common_tag_its_application_s_and_its_generation() -> None:
    key = DriverKey(UUID, 2)

    assert driver_tags(key) == ("lighter", f"lighter-app-{UUID}", "lighter-gen-2")
    assert spark_yarn_tags(key) == f"lighter,lighter-app-{UUID},lighter-gen-2"


@pytest.mark.parametrize(
    "app_id",
    ["MixedCase-Id", "with,comma", "x" * 200, "spaces in it", "é", ""],
)
def test_an_id_yarn_would_change_becomes_a_stable_digest(app_id: str) -> None:
    tag = app_tag(app_id)

    assert tag == app_tag(app_id)
    assert tag.startswith("lighter-app-h") and len(tag) <= 100
    assert tag == tag.lower() and "," not in tag


def test_ids_differing_only_in_case_get_different_tags() -> None:
    assert app_tag("abc") != app_tag("ABC")


@pytest.mark.parametrize(
    ("tags", "found"),
    [
        (("lighter", f"lighter-app-{UUID}", "lighter-gen-2"), (f"lighter-app-{UUID}", 2)),
        (("LIGHTER", f"LIGHTER-APP-{UUID.upper()}"), (f"lighter-app-{UUID}", 0)),
        (("lighter", "lighter-gen-1"), None),
        (("lighter", "lighter-app-x", "lighter-gen-one"), None),
        (("someone-else",), None),
        ((), None),
    ],
)
def test_tagged_driver(tags: tuple[str, ...], found: tuple[str, int] | None) -> None:
    assert tagged_driver(tags) == found
