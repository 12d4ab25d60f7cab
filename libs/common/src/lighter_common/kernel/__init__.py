"""The kernel: the main program of every session's Spark driver.

`kernel.py` is shipped as a file, not imported: spark-submit runs it inside the driver, where
only the standard library and pyspark are available.
"""

from pathlib import Path

KERNEL_PATH: Path = Path(__file__).with_name("kernel.py")
# Where the kernel endpoint serves this file, for drivers that cannot read the service's disk
# (Kubernetes pods): they fetch their main file from the address they call home to.
KERNEL_FILE_ROUTE = "/kernel/kernel.py"

__all__ = ["KERNEL_FILE_ROUTE", "KERNEL_PATH"]
