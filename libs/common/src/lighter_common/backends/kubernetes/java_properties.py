"""Java's `.properties` text: how Spark's driver reads `spark.properties`. Pure.

`dumps` writes what `java.util.Properties.store` would (comments aside), and `loads` reads
what `Properties.load` would, for the subset a store writes plus line continuations. The
driver reads the file as UTF-8, so characters beyond ASCII are written as they are.
"""

from collections.abc import Iterable, Mapping

_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\f": "\\f"}
_SPECIAL = "=:#!"
_UNESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}

_VALUE_ESCAPES = str.maketrans(
    {
        **{chr(code): f"\\u{code:04X}" for code in range(0x20)},
        **_ESCAPES,
        **{char: "\\" + char for char in _SPECIAL},
    }
)
_KEY_ESCAPES = str.maketrans({**_VALUE_ESCAPES, ord(" "): "\\ "})


def _escape(text: str, *, is_key: bool) -> str:
    if is_key:
        return text.translate(_KEY_ESCAPES)
    escaped = text.translate(_VALUE_ESCAPES)
    return "\\" + escaped if escaped.startswith(" ") else escaped  # a value's leading space


def dumps(properties: Mapping[str, str], comments: Iterable[str] = ()) -> str:
    lines = [f"#{comment}" for comment in comments]
    lines += [
        f"{_escape(key, is_key=True)}={_escape(value, is_key=False)}"
        for key, value in properties.items()
    ]
    return "".join(f"{line}\n" for line in lines)


def loads(text: str) -> dict[str, str]:
    properties: dict[str, str] = {}
    for line in _logical_lines(text):
        key, value = _split(line)
        properties[_unescape(key)] = _unescape(value)
    return properties


def _logical_lines(text: str) -> Iterable[str]:
    pending = ""
    for raw in text.splitlines():
        line = raw.lstrip(" \t\f")
        if not pending and (not line or line[0] in "#!"):
            continue
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2 == 1:  # an odd number of backslashes continues the line
            pending += line[:-1]
            continue
        yield pending + line
        pending = ""
    if pending:
        yield pending


def _split(line: str) -> tuple[str, str]:
    index = 0
    while index < len(line):
        char = line[index]
        if char == "\\":
            index += 2
            continue
        if char in "=: \t\f":
            break
        index += 1
    key = line[:index]
    rest = line[index:].lstrip(" \t\f")
    if rest[:1] in ("=", ":"):
        rest = rest[1:].lstrip(" \t\f")
    return key, rest


def _unescape(text: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char != "\\" or index + 1 == len(text):
            out.append(char)
            index += 1
            continue
        following = text[index + 1]
        if following == "u":
            out.append(chr(int(text[index + 2 : index + 6], 16)))
            index += 6
            continue
        out.append(_UNESCAPES.get(following, following))
        index += 2
    return "".join(out)
