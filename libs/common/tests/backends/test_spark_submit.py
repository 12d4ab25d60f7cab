import pytest
from lighter_common.backends.spark_submit import spark_submit_args
from lighter_common.domain.submit_params import SubmitParams

BASE = ["--master", "local[2]", "--name", "app-1"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"file": "pi.py"}, [*BASE, "pi.py"]),
        ({"file": "pi.py", "args": ["10", 3, True]}, [*BASE, "pi.py", "10", "3", "true"]),
        (
            {"file": "pi.py", "name": "my pi"},
            ["--master", "local[2]", "--name", "my pi", "pi.py"],
        ),
        (
            {"file": "app.jar", "className": "org.example.Main"},
            [*BASE, "--class", "org.example.Main", "app.jar"],
        ),
        (
            {"file": "app.jar", "mainClass": "org.example.Main"},
            [*BASE, "--class", "org.example.Main", "app.jar"],
        ),
        (
            {"file": "a.py", "jars": ["x.jar", "y.jar"], "pyFiles": ["lib.zip"]},
            [*BASE, "--jars", "x.jar,y.jar", "--py-files", "lib.zip", "a.py"],
        ),
        (
            {"file": "a.py", "files": ["f.txt"], "archives": ["env.tar.gz#env"]},
            [*BASE, "--files", "f.txt", "--archives", "env.tar.gz#env", "a.py"],
        ),
        (
            {
                "file": "a.py",
                "driverMemory": "1g",
                "driverCores": 1,
                "executorMemory": "512m",
                "executorCores": 2,
                "numExecutors": 3,
            },
            [
                *BASE,
                "--driver-memory",
                "1g",
                "--driver-cores",
                "1",
                "--executor-memory",
                "512m",
                "--executor-cores",
                "2",
                "--num-executors",
                "3",
                "a.py",
            ],
        ),
        (
            {"file": "a.py", "queue": "etl", "proxyUser": "alice"},
            [*BASE, "--queue", "etl", "--proxy-user", "alice", "a.py"],
        ),
        (
            {"file": "a.py", "numExecutors": 0},
            [*BASE, "--num-executors", "0", "a.py"],
        ),
        (
            {"file": "a.py", "conf": {"spark.a": 1, "spark.b": True, "spark.c": "x=y", "d": None}},
            [
                *BASE,
                "--conf",
                "spark.a=1",
                "--conf",
                "spark.b=true",
                "--conf",
                "spark.c=x=y",
                "a.py",
            ],
        ),
    ],
)
def test_arguments(params: dict[str, object], expected: list[str]) -> None:
    args = spark_submit_args(SubmitParams.model_validate(params), name="app-1", master="local[2]")

    assert args == expected


def test_deploy_mode_comes_after_master() -> None:
    args = spark_submit_args(
        SubmitParams(file="a.py"), name="n", master="local[*]", deploy_mode="client"
    )

    assert args == ["--master", "local[*]", "--deploy-mode", "client", "--name", "n", "a.py"]


def test_main_file_replaces_file_and_keeps_args() -> None:
    params = SubmitParams(file="user.py", args=["x"])

    args = spark_submit_args(params, name="n", master="local", main_file="kernel.py")

    assert args[-2:] == ["kernel.py", "x"]
    assert "user.py" not in args


def test_main_py_files_come_before_the_users() -> None:
    params = SubmitParams(file="user.py", py_files=["user.zip"])

    args = spark_submit_args(
        params, name="n", master="local", main_file="kernel.py", main_py_files=["kernel.zip"]
    )

    assert args[args.index("--py-files") + 1] == "kernel.zip,user.zip"


def test_main_py_files_alone() -> None:
    args = spark_submit_args(
        SubmitParams(), name="n", master="local", main_file="kernel.py", main_py_files=["k.zip"]
    )

    assert args == ["--master", "local", "--name", "n", "--py-files", "k.zip", "kernel.py"]


def test_extra_conf_wins_over_user_conf_once_per_key() -> None:
    params = SubmitParams(file="a.py", conf={"spark.x": "user", "spark.y": "user"})

    args = spark_submit_args(params, name="n", master="local", extra_conf={"spark.y": "backend"})

    assert [a for a in args if a.startswith("spark.")] == ["spark.x=user", "spark.y=backend"]


def test_no_file_is_an_error() -> None:
    with pytest.raises(ValueError, match="no file"):
        spark_submit_args(SubmitParams(), name="n", master="local")
