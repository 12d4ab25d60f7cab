"""The kernel: the main program of every session's Spark driver.

It is shipped, not imported: spark-submit runs `kernel.py` inside the driver, where only the
standard library and pyspark are available, and that file imports the kernel package
(`driver/`, named `lighter_kernel` there) from a zip given with `--py-files`
(`archive.py`). Drivers on this machine get both as paths; drivers elsewhere (Kubernetes
pods) fetch both from the address they call home to.
"""

from pathlib import Path

from lighter_common.kernel.archive import kernel_archive, kernel_archive_file

KERNEL_PATH: Path = Path(__file__).with_name("kernel.py")
# Where the kernel endpoint serves the two files, for drivers that cannot read the service's
# disk (Kubernetes pods): they fetch them from the address they call home to.
KERNEL_FILE_ROUTE = "/kernel/kernel.py"
KERNEL_ARCHIVE_NAME = "lighter-kernel.zip"
KERNEL_ARCHIVE_ROUTE = f"/kernel/{KERNEL_ARCHIVE_NAME}"
KERNEL_ARCHIVE_MEDIA_TYPE = "application/zip"

__all__ = [
    "KERNEL_ARCHIVE_MEDIA_TYPE",
    "KERNEL_ARCHIVE_NAME",
    "KERNEL_ARCHIVE_ROUTE",
    "KERNEL_FILE_ROUTE",
    "KERNEL_PATH",
    "kernel_archive",
    "kernel_archive_file",
]
