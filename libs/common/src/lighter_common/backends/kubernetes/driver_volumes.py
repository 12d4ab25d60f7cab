"""The driver's volumes from conf: spark.kubernetes.driver.volumes.<type>.<name>.*. Pure.

As Spark's MountVolumesFeatureStep makes them, for the types and options listed here; a
claim Spark would create (OnDemand, a storage class, a size) or any other option is not
built natively.
"""

from typing import Any

from lighter_common.backends.kubernetes.driver_conf import NotNative

VOLUMES_PREFIX = "spark.kubernetes.driver.volumes."
LOCAL_DIR_VOLUME_PREFIX = "spark-local-dir-"  # Spark's own local dirs, or ones it reuses
# Per volume type: its options (options.<name>) and where each goes in the volume's source.
_VOLUME_SOURCES = {
    "hostPath": ("hostPath", {"path": "path", "type": "type"}, ("path",)),
    "emptyDir": ("emptyDir", {"medium": "medium", "sizeLimit": "sizeLimit"}, ()),
    "nfs": ("nfs", {"path": "path", "server": "server"}, ("path", "server")),
    "persistentVolumeClaim": ("persistentVolumeClaim", {"claimName": "claimName"}, ("claimName",)),
}
_MOUNT_OPTIONS = {"mount.path", "mount.readOnly", "mount.subPath", "mount.subPathExpr"}


def conf_volume(
    kind: str, name: str, options: dict[str, str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One volume of spark.kubernetes.driver.volumes.<kind>.<name>.*, and its mount."""
    if kind not in _VOLUME_SOURCES:
        raise NotNative(f"volume type {kind}")
    field_name, known, required = _VOLUME_SOURCES[kind]
    source: dict[str, Any] = {}
    for option, value in options.items():
        if option in _MOUNT_OPTIONS:
            continue
        key = option.removeprefix("options.")
        if key == option or key not in known:
            raise NotNative(f"volume option {kind}.{name}.{option}")
        if value:  # Spark's empty defaults are what the API leaves out
            source[known[key]] = value
    missing = [key for key in required if key not in source]
    if "mount.path" not in options or missing:
        raise NotNative(f"volume {kind}.{name} lacks {missing or 'mount.path'}")
    if "mount.subPath" in options and "mount.subPathExpr" in options:
        raise NotNative(f"volume {kind}.{name}: subPath and subPathExpr together")
    size = source.get("sizeLimit", "x")
    if size.isdigit() and int(size) < 1024:
        raise NotNative(f"volume {kind}.{name}: size {size} without a unit")
    read_only = options.get("mount.readOnly", "false").lower()
    if read_only not in ("true", "false"):
        raise NotNative(f"volume {kind}.{name}: readOnly {read_only!r}")
    if kind == "persistentVolumeClaim":
        if "OnDemand" in source["claimName"]:
            raise NotNative("a claim made on demand (spark-submit creates it)")
        if read_only == "true":
            source["readOnly"] = True
    mount: dict[str, Any] = {"name": name, "mountPath": options["mount.path"]}
    if read_only == "true":
        mount["readOnly"] = True
    for option in ("subPath", "subPathExpr"):
        if options.get(f"mount.{option}"):
            mount[option] = options[f"mount.{option}"]
    return {"name": name, field_name: source}, mount
