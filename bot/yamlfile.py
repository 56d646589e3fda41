"""Read YAML safely and remember the line every value came from.

Content is written by people in a text editor, so every error message points at a line. Aliases
(`*name`) are refused outright: content never needs them, and they are how "billion laughs" bombs
are built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]

MAX_FILE_BYTES = 2_000_000


class YamlFileError(Exception):
    """A file that cannot be read as YAML; the message names the file and line."""


@dataclass(frozen=True)
class LoadedYaml:
    """Plain data from one YAML file and the line number (1-based) of every node in it."""

    path: Path
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    # The line of each mapping key, by the path of its value (a block value starts below it).
    key_lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, loc: Path_) -> int:
        """The line of the deepest known node on `loc` (1 when nothing matches)."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return 1


# libyaml's parser when PyYAML was built with it (the usual wheels are): several times faster.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _walk(
    node: yaml.Node,
    loc: Path_,
    lines: dict[Path_, int],
    seen: set[int],
    key_lines: dict[Path_, int] | None = None,
) -> Any:
    """Plain data from `node`, recording lines. An alias shows as a node met twice: refused
    before anything is expanded, so an alias bomb costs nothing."""
    if id(node) in seen:
        raise YamlFileError(
            f"line {node.start_mark.line + 1}: aliases (*name) are not allowed in content "
            "files; write the value out"
        )
    seen.add(id(node))
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if not isinstance(key, str | int | bool) or key is None:
                raise YamlFileError(
                    f"line {key_node.start_mark.line + 1}: keys must be plain words"
                )
            if key in result:
                raise YamlFileError(
                    f"line {key_node.start_mark.line + 1}: key {key!r} appears twice in one block"
                )
            if key_lines is not None:
                key_lines[(*loc, str(key))] = key_node.start_mark.line + 1
            result[key] = _walk(value_node, (*loc, str(key)), lines, seen, key_lines)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _walk(child, (*loc, i), lines, seen, key_lines) for i, child in enumerate(node.value)
        ]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    # One constructor for every scalar: building a loader per value made start-up slow.
    value = _CONSTRUCTOR.construct_object(node, deep=True)
    _CONSTRUCTOR.constructed_objects.clear()
    return value


_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def _refuse_aliases(path: Path, text: str) -> None:
    """Name the line of the first alias, from the parser's events (nothing is expanded)."""
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + 1 if event.start_mark else 1
                raise YamlFileError(
                    f"{path}:{line}: aliases (*name) are not allowed in "
                    "content files; write the value out"
                )
    except yaml.YAMLError:
        return  # a syntax error: reported with its line by the full read that follows


# A value that starts with a quote: `key: "text`, `- 'text`.
_QUOTED_VALUE = re.compile(r"""^\s*(?:-\s+)*(?:[^\s"'#][^:#]*:\s+)?(?:-\s+)*(["'])(.*)$""")


def _unclosed_quote(text: str, upto: int) -> tuple[int, str] | None:
    """The first line up to `upto` whose quoted value is not closed on it, and the quote, when
    a read error follows one (a quoted text may go on over lines, but in content it never does:
    this is the likely cause)."""
    for number, line in enumerate(text.splitlines()[:upto], 1):
        found = _QUOTED_VALUE.match(line)
        if found is None:
            continue
        quote, rest = found.groups()
        if quote == '"':
            closed = re.search(r'(?<!\\)(?:\\\\)*"', rest) is not None
        else:
            closed = re.search(r"'(?!')", rest.replace("''", "")) is not None
        if not closed:
            return number, quote
    return None


def load_yaml(path: Path) -> LoadedYaml:
    """Parse `path`; raise YamlFileError with `file:line: problem` when it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise YamlFileError(f"{path}:1: cannot read the file ({exc.strerror})") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise YamlFileError(f"{path}:1: file is larger than {MAX_FILE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlFileError(f"{path}:{line}: not valid UTF-8 text; save the file as UTF-8") from exc
    if "*" in text:
        _refuse_aliases(path, text)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        opened = _unclosed_quote(text, line)
        if opened is not None:  # the parser stumbles lines later, where the text runs out
            raise YamlFileError(
                f"{path}:{opened[0]}: the {opened[1]} opened on this line is not closed; "
                f"end the text with {opened[1]}"
            ) from exc
        raise YamlFileError(f"{path}:{line}: {exc.problem or exc.context}") from exc
    except yaml.YAMLError as exc:
        raise YamlFileError(f"{path}:1: {exc}") from exc
    finally:
        loader.dispose()
    if node is None:
        return LoadedYaml(path=path, data=None, lines={(): 1})
    lines: dict[Path_, int] = {}
    key_lines: dict[Path_, int] = {}
    try:
        data = _walk(node, (), lines, set(), key_lines)
    except YamlFileError as exc:
        raise YamlFileError(f"{path}:{exc}") from exc
    except yaml.YAMLError as exc:
        raise YamlFileError(f"{path}:{lines.get((), 1)}: {exc}") from exc
    return LoadedYaml(path=path, data=data, lines=lines, key_lines=key_lines)
