"""The primary resource of a session's driver: spark-submit runs this file.

The kernel itself is the `lighter_kernel` package, which spark-submit puts on the driver's
Python path from the zip it is given with `--py-files` (see `lighter_common.kernel`).
"""

import sys

from lighter_kernel.main import main

if __name__ == "__main__":
    sys.exit(main())
