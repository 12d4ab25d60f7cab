"""Every user value reaches spark-submit and the native planner as data, never as an option.

The attack: `{"file": "--proxy-user", "args": ["alice", "/x/real.py"]}` made spark-submit run
`… --proxy-user alice /x/real.py` as the caller — impersonation past the proxyUser rule; the
same way `--conf` overrode the server's conf and `--kill` ran a kill with its credentials.
"""

from typing import Any

import pytest
from lighter_common.backends.spark_submit import (
    UnsafeArguments,
    parse_submit_args,
    spark_submit_args,
)
from lighter_common.domain.submit_params import SubmitParams

from .conftest import AppFactory, basic, client_of

OPTIONS = [
    "--proxy-user",
    "--conf",
    "--kill",
    "--status",
    "--properties-file",
    "--master",
    "--deploy-mode",
    "--driver-java-options",
    "-v",
    "--conf=spark.master=local",
    "--proxy-user=root",
    "--keytab",
    "--principal=hdfs@REALM",
]


async def submit(app: Any, body: dict[str, Any], *, dialect: str = "lighter") -> Any:
    path = "/lighter/api/batches" if dialect == "lighter" else "/livy/batches"
    async with client_of(app) as client:
        return await client.post(path, json=body, auth=basic("alice"))


def message(response: Any) -> str:
    body = response.json()
    return str(body.get("message") or body.get("msg"))


@pytest.mark.parametrize("dialect", ["lighter", "livy"])
@pytest.mark.parametrize("option", OPTIONS)
async def test_a_file_that_is_an_option_is_refused_naming_the_field(
    secure_app: AppFactory, option: str, dialect: str
) -> None:
    body = {"file": option, "args": ["alice", "s3a://jobs/real.py"]}
    response = await submit(secure_app(), body, dialect=dialect)
    assert response.status_code == 400, response.text
    assert "file" in message(response) and "option" in message(response)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("className", "--proxy-user"),
        ("className", "-v"),
        ("className", "org.example.Main\n--kill"),
        ("jars", ["--proxy-user"]),
        ("pyFiles", ["-v"]),
        ("files", ["s3a://b/x", "--kill"]),
        ("archives", ["--properties-file"]),
        ("proxyUser", "--kill"),
        ("queue", "--master"),
        ("kind", "--conf"),
        ("file", "s3a://jobs/a.py\n--proxy-user root"),
    ],
)
async def test_option_like_values_in_other_fields_are_refused(
    secure_app: AppFactory, field: str, value: object
) -> None:
    response = await submit(secure_app(), {"file": "s3a://jobs/a.py", field: value})
    assert response.status_code == 400, response.text
    assert field in response.text


@pytest.mark.parametrize(
    "key", ["spark.a=b", "spark.x\n--proxy-user", "spark x", "--proxy-user", "-c"]
)
async def test_conf_keys_spark_would_split_otherwise_are_refused(
    secure_app: AppFactory, key: str
) -> None:
    response = await submit(secure_app(), {"file": "s3a://jobs/a.py", "conf": {key: "v"}})
    assert response.status_code == 400, response.text
    assert "conf" in response.text


def test_the_applications_own_arguments_stay_its_arguments() -> None:
    # After the primary resource spark-submit passes everything on: options there are data.
    params = SubmitParams(
        file="s3a://jobs/a.py",
        args=["--proxy-user", "root", "--conf", "spark.master=x", "a=b\nc"],
        conf={"spark.app.note": "x=y\n--kill lighter:*"},
    )
    argv = spark_submit_args(params, name="n", master="local[*]", deploy_mode="client")
    seen = parse_submit_args(argv)
    options = [option for option, _ in seen.options]
    assert options == ["--master", "--deploy-mode", "--name", "--conf"]
    assert seen.resource == "s3a://jobs/a.py"
    assert seen.app_args == ["--proxy-user", "root", "--conf", "spark.master=x", "a=b\nc"]
    assert seen.conf == {"spark.app.note": "x=y\n--kill lighter:*"}


@pytest.mark.parametrize(
    "unchecked",
    [
        {"file": "--proxy-user", "args": ["alice", "/x/real.py"]},
        {"file": "--kill", "args": ["lighter:*"]},
        {"file": "-v", "args": ["/x/real.py"]},
        {"file": "a.py", "conf": {"spark.a=b": "c"}},
    ],
)
def test_the_argument_builder_refuses_what_spark_submit_would_read_as_options(
    unchecked: dict[str, Any],
) -> None:
    # Past the model's validation (as a later change might let a value through), the built
    # argv is read back as spark-submit reads it, and refused unless it reads as built.
    params = SubmitParams.model_construct(**{**SubmitParams().model_dump(), **unchecked})
    with pytest.raises(UnsafeArguments):
        spark_submit_args(params, name="n", master="k8s://https://api", deploy_mode="cluster")


@pytest.mark.parametrize(
    "unchecked", [{"class_name": "--status"}, {"name": "--conf=spark.master=evil"}]
)
def test_a_value_after_its_option_is_data(unchecked: dict[str, Any]) -> None:
    params = SubmitParams.model_construct(
        **{**SubmitParams().model_dump(), "file": "a.py", **unchecked}
    )
    seen = parse_submit_args(spark_submit_args(params, name="n", master="local[*]"))
    assert seen.resource == "a.py"
    assert [option for option, _ in seen.options] == ["--master", "--name"] + (
        ["--class"] if "class_name" in unchecked else []
    )
