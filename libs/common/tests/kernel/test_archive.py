"""The kernel's package as drivers receive it: the zip `archive.py` builds."""

import ast
import io
import os
import shutil
import sys
import zipfile
from pathlib import Path

from lighter_common.kernel import KERNEL_PATH, kernel_archive, kernel_archive_file
from lighter_common.kernel.archive import PACKAGE, SOURCE_DIR, build_archive

# What a driver has besides the standard library; matplotlib only where its image has it
# (`%matplot` says so when it does not).
_DRIVER_LIBRARIES = {"pyspark", "py4j", "matplotlib"}


def _names(content: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(content)).namelist()


def test_the_archive_holds_the_package_and_nothing_else() -> None:
    sources = sorted(path.name for path in SOURCE_DIR.glob("*.py"))

    names = _names(kernel_archive())

    assert names == [f"{PACKAGE}/{name}" for name in sources]
    assert f"{PACKAGE}/__init__.py" in names and f"{PACKAGE}/main.py" in names


def test_the_archive_leaves_out_compiled_files(tmp_path: Path) -> None:
    copy = tmp_path / "driver"
    shutil.copytree(SOURCE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "__pycache__").mkdir()
    (copy / "__pycache__" / "kernel.cpython-311.pyc").write_bytes(b"\0")
    (copy / "__pycache__" / "stray.py").write_text("")
    (copy / "notes.txt").write_text("")

    assert _names(build_archive(copy)) == _names(build_archive(SOURCE_DIR))


def test_the_archives_bytes_depend_on_the_sources_alone(tmp_path: Path) -> None:
    copy = tmp_path / "driver"
    shutil.copytree(SOURCE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for path in copy.iterdir():
        os.utime(path, (1_000_000_000, 1_000_000_000))
        path.chmod(0o600)

    assert build_archive(copy) == build_archive(SOURCE_DIR) == kernel_archive()


def test_the_archive_file_is_written_once_named_by_its_content(tmp_path: Path) -> None:
    first = kernel_archive_file(tmp_path / "kernel")
    second = kernel_archive_file(tmp_path / "kernel")

    assert first == second
    assert first.read_bytes() == kernel_archive()
    assert first.name.startswith("lighter-kernel-") and first.suffix == ".zip"
    assert [path.name for path in (tmp_path / "kernel").iterdir()] == [first.name]


def test_the_package_imports_only_what_a_driver_has() -> None:
    outside = []
    for path in [*SOURCE_DIR.glob("*.py"), KERNEL_PATH]:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                top = module.partition(".")[0]
                allowed = sys.stdlib_module_names | _DRIVER_LIBRARIES | {"__future__"}
                if top not in allowed and not (path == KERNEL_PATH and top == PACKAGE):
                    outside.append(f"{path.name}: {module}")

    assert outside == []
