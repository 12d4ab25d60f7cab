"""A driver's spark-submit arguments for YARN (submission.py)."""

from pathlib import Path

from lighter_common.backends.spark_submit import parse_submit_args
from lighter_common.backends.yarn.kerberos import KeytabLogin
from lighter_common.backends.yarn.submission import (
    SECRET_FILE_NAME,
    submit_args,
    submitted_application,
)
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.settings import YarnSettings


def app(**params: object) -> Application:
    return Application(
        type=ApplicationType.BATCH,
        submit_params=SubmitParams.model_validate({"file": "/jobs/pi.py", **params}),
        generation=2,
    )


def test_cluster_mode_tagged_without_waiting_with_the_operator_s_jars_and_python() -> None:
    batch = app(args=["10"])
    settings = YarnSettings(jars="local:/opt/spark/jars/*", python="/opt/py/bin/python")

    parsed = parse_submit_args(submit_args(batch, settings, env={}))

    options = dict(parsed.options)
    assert options["--master"] == "yarn" and options["--deploy-mode"] == "cluster"
    assert parsed.conf["spark.yarn.submit.waitAppCompletion"] == "false"
    assert parsed.conf["spark.yarn.tags"] == f"lighter,lighter-app-{batch.id},lighter-gen-2"
    assert parsed.conf["spark.yarn.jars"] == "local:/opt/spark/jars/*"
    assert parsed.conf["spark.pyspark.python"] == "/opt/py/bin/python"
    assert "spark.yarn.archive" not in parsed.conf
    assert "--queue" not in options
    assert (parsed.resource, parsed.app_args) == ("/jobs/pi.py", ["10"])


def test_the_user_s_queue_else_the_default_one() -> None:
    settings = YarnSettings(queue="etl")
    assert dict(parse_submit_args(submit_args(app(), settings, env={})).options)["--queue"] == (
        "etl"
    )
    mine = submit_args(app(queue="adhoc"), settings, env={})
    assert dict(parse_submit_args(mine).options)["--queue"] == "adhoc"


def test_a_session_runs_the_kernel_with_its_secret_in_a_file_not_the_environment() -> None:
    session = app()
    argv = submit_args(
        session,
        YarnSettings(),
        env={"LIGHTER_KERNEL_URL": "http://sm:8081", "LIGHTER_SESSION_ID": session.id},
        kernel_file="/srv/lighter/kernel.py",
        kernel_archive="/srv/lighter/kernel.zip",
        secret_file=Path("/data/secrets/s1"),
    )

    parsed = parse_submit_args(argv)
    options = dict(parsed.options)
    assert parsed.resource == "/srv/lighter/kernel.py"
    assert options["--py-files"] == "/srv/lighter/kernel.zip"
    assert options["--files"] == f"/data/secrets/s1#{SECRET_FILE_NAME}"
    assert parsed.conf["spark.yarn.appMasterEnv.LIGHTER_KERNEL_URL"] == "http://sm:8081"
    assert parsed.conf["spark.yarn.appMasterEnv.LIGHTER_KERNEL_SECRET_FILE"] == SECRET_FILE_NAME
    assert not any("SECRET=" in arg or arg.endswith("KERNEL_SECRET") for arg in argv)


def test_the_application_id_from_spark_submit_s_output() -> None:
    output = (
        "25/01/01 INFO Client: Submitting application application_1796672196037_0007 to "
        "ResourceManager\n25/01/01 INFO YarnClientImpl: Submitted application "
        "application_1796672196037_0007\n"
    )
    assert submitted_application(output) == "application_1796672196037_0007"
    assert submitted_application("Exception in thread main") is None


def test_lighter_s_principal_and_keytab_go_to_every_submission() -> None:
    login = KeytabLogin(principal="lighter@EXAMPLE.COM", keytab=Path("/etc/lighter/lighter.keytab"))

    parsed = parse_submit_args(submit_args(app(), YarnSettings(), env={}, login=login))

    options = dict(parsed.options)
    assert options["--principal"] == "lighter@EXAMPLE.COM"
    assert options["--keytab"] == "/etc/lighter/lighter.keytab"
    assert parsed.resource == "/jobs/pi.py"


def test_a_proxy_user_s_submission_gets_no_principal_which_spark_submit_refuses_with_it() -> None:
    login = KeytabLogin(principal="lighter@EXAMPLE.COM", keytab=Path("/etc/lighter/lighter.keytab"))

    argv = submit_args(app(proxyUser="alice"), YarnSettings(), env={}, login=login)

    options = dict(parse_submit_args(argv).options)
    assert options["--proxy-user"] == "alice"
    assert "--principal" not in options and "--keytab" not in options


def test_without_kerberos_there_is_no_principal() -> None:
    options = dict(parse_submit_args(submit_args(app(), YarnSettings(), env={})).options)
    assert "--principal" not in options and "--keytab" not in options
