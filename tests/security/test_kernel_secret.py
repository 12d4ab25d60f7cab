"""Another user's driver cannot read a session's kernel secret (issue 15, item 5).

On Kubernetes every driver may list pods and read ConfigMaps (it runs its executors), and
spark-submit's argv is visible to anyone on the submitting machine. A session's launch, as
the submitter makes it, must put the secret into none of them: only into the driver pod's own
Secret, which the driver's service account cannot read (tests/kubernetes/test_kernel_secret.py
holds that against an API server).
"""

import json
from pathlib import Path

from lighter_common.backends.kubernetes.backend import KubernetesBackend
from lighter_common.backends.kubernetes.driver_objects import DriverObjects
from lighter_common.backends.kubernetes.kernel_secret import KERNEL_SECRET_FILE_VARIABLE, pod_owner
from lighter_common.backends.kubernetes.native_submit import plan
from lighter_common.domain.application import Application, ApplicationType, new_kernel_secret
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.kernel.driver.config import Config
from lighter_common.settings import KubernetesSettings, ServerSettings, Settings
from lighter_submitter.launch import launch_context


async def test_a_sessions_secret_is_in_nothing_another_driver_can_read(tmp_path: Path) -> None:
    settings = Settings(
        server=ServerSettings(
            data_dir=tmp_path,
            backend="kubernetes",
            kernel_url="http://lighter-session-manager:8081",
        ),
        kubernetes=KubernetesSettings(
            master="k8s://https://k8s.example.org:6443", namespace="spark", image="spark:4.3.0"
        ),
    )
    session = Application(
        type=ApplicationType.SESSION,
        state=ApplicationState.STARTING,
        kind="pyspark",
        submit_params=SubmitParams(),
        kernel_secret=new_kernel_secret(),
    )
    secret = session.kernel_secret
    assert secret
    backend = KubernetesBackend(settings)

    submission = await backend.submission(session, launch_context(session, settings))
    objects = plan(submission.argv)

    assert secret not in " ".join(submission.argv)  # spark-submit's command line
    assert isinstance(objects, DriverObjects), objects
    readable = [objects.pod, objects.config_map, objects.service, objects.network_policy]
    for each in readable:  # what the driver role may get and list
        assert secret not in json.dumps(each), each["kind"]
    assert submission.kernel_secret is not None
    own = submission.kernel_secret.object(pod_owner(objects.pod_name, "uid"))
    assert own["metadata"]["ownerReferences"][0]["name"] == objects.pod_name
    volumes = objects.pod["spec"]["volumes"]
    assert {
        "name": f"{own['metadata']['name']}-volume",
        "secret": {"secretName": own["metadata"]["name"]},
    } in volumes


def test_the_kernel_reads_its_secret_from_the_mounted_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-the-file\n")
    env = {"LIGHTER_KERNEL_URL": "http://sm:8081", "LIGHTER_SESSION_ID": "s"}

    from_file = Config.from_env({**env, KERNEL_SECRET_FILE_VARIABLE: str(secret_file)})
    from_env = Config.from_env({**env, "LIGHTER_KERNEL_SECRET": "from-the-env"})

    assert from_file.secret == "from-the-file"
    assert from_env.secret == "from-the-env"  # the local backend's drivers
