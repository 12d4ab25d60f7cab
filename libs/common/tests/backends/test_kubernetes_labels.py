"""Driver pods' names, labels and identities: valid for the API server, and read back exactly."""

import re

import pytest
from lighter_common.backends.kubernetes.labels import (
    driver_annotations,
    driver_key,
    driver_labels,
    driver_pod_name,
    driver_selector,
)
from lighter_common.domain.driver import DriverKey

DNS_1123 = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?")
IDS = ["4f0c2c0e-8a55-4c43-9d1f-5d1b2b0e3f11", "My_Session.v2", "x" * 64, "ends-with-dash-", "A"]


@pytest.mark.parametrize("app_id", IDS)
def test_every_allowed_id_gives_a_valid_pod_name_and_labels_that_read_back(app_id: str) -> None:
    key = DriverKey(app_id, 3)

    name = driver_pod_name(key)
    labels = driver_labels(key)

    assert DNS_1123.fullmatch(name) and len(name) <= 63
    assert all(LABEL_VALUE.fullmatch(v) and len(v) <= 63 for v in labels.values())
    assert driver_key({**labels, "spark-role": "driver"}, driver_annotations(key)) == key
    assert "lighter-generation=3" in driver_selector(key)


def test_names_differ_between_generations_and_between_ids_differing_only_in_case() -> None:
    names = {
        driver_pod_name(DriverKey("Abc", 0)),
        driver_pod_name(DriverKey("abc", 0)),
        driver_pod_name(DriverKey("abc", 1)),
    }

    assert len(names) == 3
    assert driver_pod_name(DriverKey("abc", 1)) == driver_pod_name(DriverKey("abc", 1))


def test_a_pod_lighter_did_not_launch_has_no_key() -> None:
    assert driver_key({"spark-role": "driver"}, {}) is None
