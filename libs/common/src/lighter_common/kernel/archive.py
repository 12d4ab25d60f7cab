"""The kernel package as drivers receive it: a zip of `driver/`, named `lighter_kernel`.

The bytes depend on the package's sources alone (sorted entries, fixed timestamps and
modes, stored uncompressed), so every replica serves the same archive and a file written
once for a content stays right. Only `.py` files go in: never `__pycache__`.
"""

import functools
import hashlib
import io
import os
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "lighter_kernel"  # the name drivers import the kernel by
SOURCE_DIR = Path(__file__).with_name("driver")
_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold


def kernel_sources(source_dir: Path = SOURCE_DIR) -> list[tuple[str, Path]]:
    """(name in the archive, source file) for every module of the package, sorted by name."""
    found = [
        (f"{PACKAGE}/{path.relative_to(source_dir).as_posix()}", path)
        for path in source_dir.rglob("*.py")
        if "__pycache__" not in path.relative_to(source_dir).parts
    ]
    return sorted(found)


def build_archive(source_dir: Path = SOURCE_DIR) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, path in kernel_sources(source_dir):
            entry = zipfile.ZipInfo(name, date_time=_TIMESTAMP)
            entry.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
            entry.create_system = 3  # Unix, whatever builds it
            archive.writestr(entry, path.read_bytes(), zipfile.ZIP_STORED)
    return buffer.getvalue()


@functools.cache
def kernel_archive() -> bytes:
    """The archive drivers download, built once per process."""
    return build_archive()


def kernel_archive_file(directory: Path) -> Path:
    """The archive as a file in `directory`, for drivers on this machine; named by its
    content, so a driver started earlier keeps the archive it was given."""
    content = kernel_archive()
    path = directory / f"lighter-kernel-{hashlib.sha256(content).hexdigest()[:16]}.zip"
    if path.is_file():
        return path
    directory.mkdir(parents=True, exist_ok=True)
    # Written beside and renamed: another process may be writing the same file right now.
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".lighter-kernel-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
