import pytest
from lighter_common.domain.submit_params import SubmitParams, is_secret_key, parse_duration
from pydantic import ValidationError

from tests.harness.seed import SEED_BATCH


def test_seed_request_is_accepted_and_conf_values_become_strings() -> None:
    params = SubmitParams.model_validate(SEED_BATCH)
    assert params.num_executors == 4
    assert params.spark_conf() == {"spark.eventLog.enabled": "true"}


@pytest.mark.parametrize("key", ["className", "mainClass"])
def test_main_class_under_either_name(key: str) -> None:
    params = SubmitParams.model_validate({"file": "app.jar", key: "org.example.Main"})
    assert params.class_name == "org.example.Main"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"file": "a.py", "bogus": 1}, "bogus"),
        ({"file": "a.py", "numExecutors": -1}, "numExecutors"),
        ({"file": "a.py", "driverCores": 0}, "driverCores"),
        ({"file": "a.py", "executorMemory": "lots"}, "executorMemory"),
        ({"file": "a.py", "args": "not-a-list"}, "args"),
        ({"file": "a.py", "conf": {"k": [1, 2]}}, "conf"),
        ({"file": "a.py", "ttl": "soon"}, "ttl"),
    ],
)
def test_bad_fields_are_named(body: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        SubmitParams.model_validate(body)
    assert field in str(error.value)


def test_scalar_args_become_strings() -> None:
    assert SubmitParams.model_validate({"file": "a.py", "args": [10, 2.5]}).args == ["10", "2.5"]


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("spark.hadoop.fs.s3a.secret.key", True),
        ("spark.hadoop.fs.s3a.access.key", True),
        ("spark.some.password", True),
        ("spark.auth.TOKEN", True),
        ("spark.hadoop.fs.s3a.accesskey", True),
        ("spark.executor.memory", False),
    ],
)
def test_secret_keys(key: str, secret: bool) -> None:
    assert is_secret_key(key) is secret


def test_redacted_hides_secret_values_only() -> None:
    params = SubmitParams(file="a.py", conf={"spark.password": "hunter2", "spark.x": "1"})
    assert params.redacted().conf == {"spark.password": "[redacted]", "spark.x": "1"}
    assert params.conf["spark.password"] == "hunter2"


@pytest.mark.parametrize(
    ("text", "unit", "seconds"),
    [
        ("30s", "s", 30),
        ("10m", "s", 600),
        ("2h", "s", 7200),
        ("90", "m", 5400),
        ("5", "s", 5),
        ("0.5", "s", 0.5),
    ],
)
def test_parse_duration(text: str, unit: str, seconds: float) -> None:
    assert parse_duration(text, bare_unit=unit) == seconds
