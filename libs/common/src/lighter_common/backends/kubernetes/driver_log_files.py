"""Driver logs kept as files under the data directory, for after their pod is gone: the last
bytes of a log (cut at a line), read and written whole."""

from pathlib import Path


def tail(text: str, max_bytes: int) -> str:
    """The last `max_bytes` of `text`, from the first whole line in them."""
    data = text.encode()
    if len(data) <= max_bytes:
        return text
    cut = data[-max_bytes:]
    if b"\n" in cut:
        cut = cut[cut.index(b"\n") + 1 :]
    return cut.decode("utf-8", errors="replace")


def read_tail(path: Path, max_bytes: int) -> str | None:
    try:
        return tail(path.read_text(errors="replace"), max_bytes)
    except FileNotFoundError:
        return None


def write_file(path: Path, text: str) -> None:
    """`text` as the file's whole content, replaced at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    temporary.replace(path)
