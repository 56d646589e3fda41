"""Every text key the code asks a language pack for exists in the default language's ui.yaml,
and the package's list of required keys (which check-content enforces) is exactly those keys."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.content import required_ui_keys, ui_placeholders
from bot.yamlfile import load_yaml
from tests.conftest import CONTENT_DIR

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "bot").rglob("*.py"))
# Methods that take a ui.yaml key as their first argument.
TEXT_CALLS = frozenset({"text"})


def _keys_in(tree: ast.AST) -> tuple[set[str], set[str]]:
    """(literal keys, prefixes of f-string keys) passed to `.text(...)`."""
    literal: set[str] = set()
    prefixes: set[str] = set()
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in TEXT_CALLS
            and node.args
        ):
            continue
        arg = node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            literal.add(arg.value)
        elif isinstance(arg, ast.JoinedStr) and arg.values:
            first = arg.values[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                prefixes.add(first.value)
        elif isinstance(arg, ast.IfExp):
            for branch in (arg.body, arg.orelse):
                if isinstance(branch, ast.Constant) and isinstance(branch.value, str):
                    literal.add(branch.value)
    return literal, prefixes


def _used() -> tuple[set[str], set[str]]:
    """Keys passed to `.text()` as written, and the keys handed over in tables and variables
    (`pack.text(label)` over `FLAGS`): strings shaped like a key of a family the code uses."""
    trees = [ast.parse(path.read_text(), str(path)) for path in SOURCES]
    literal: set[str] = set()
    prefixes: set[str] = set()
    for tree in trees:
        found, starts = _keys_in(tree)
        literal |= found
        prefixes |= starts
    families = {key.split("_")[0] for key in literal if "_" in key}
    shaped = re.compile(rf"(?:{'|'.join(sorted(families))})_[a-z0-9_]+")
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if shaped.fullmatch(node.value) and not node.value.endswith("_"):
                    literal.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values:  # key = f"rem_lead_{minutes}"
                first = node.values[0]
                if (
                    isinstance(first, ast.Constant)
                    and isinstance(first.value, str)
                    and shaped.fullmatch(first.value)
                    and first.value.endswith("_")
                ):
                    prefixes.add(first.value)
    return literal, prefixes


def _default_ui() -> dict[str, str]:
    data = load_yaml(CONTENT_DIR / "en" / "ui.yaml").data
    assert isinstance(data, dict)
    return data


def test_every_literal_key_the_code_uses_is_in_the_default_ui() -> None:
    literal, _ = _used()
    missing = sorted(literal - _default_ui().keys())
    assert not missing, f"content/en/ui.yaml lacks {missing}"


def test_every_key_prefix_the_code_uses_has_texts() -> None:
    _, prefixes = _used()
    ui = _default_ui()
    empty = sorted(p for p in prefixes if not any(k.startswith(p) for k in ui))
    assert not empty, f"content/en/ui.yaml has no key starting with {empty}"


def test_required_keys_are_the_keys_the_code_uses() -> None:
    """check-content refuses a default ui.yaml without one of these (bot/lang/ui_keys.txt), so
    the list must be exactly what the code asks for: it cannot drift."""
    literal, prefixes = _used()
    ui = _default_ui()
    family = {k for k in ui if any(k.startswith(p) for p in prefixes)}
    expected = sorted(literal | family)
    assert sorted(required_ui_keys()) == expected, (
        "regenerate bot/lang/ui_keys.txt with these keys, one a line: " + " ".join(expected)
    )


def _placeholders_passed() -> dict[str, set[str]]:
    """Key (or `prefix*` for an f-string key) -> the keyword names the code passes with it, for
    the keys every call of which names its values (`.text("key", name=...)`). A call with no
    values, or with `**values`, returns or fills the text some other way: its key is left out."""
    passed: dict[str, set[str]] = {}
    unchecked: set[str] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in TEXT_CALLS
                and node.args
            ):
                continue
            arg = node.args[0]
            keys: list[str] = []
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                keys = [arg.value]
            elif isinstance(arg, ast.JoinedStr) and arg.values:
                first = arg.values[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    keys = [first.value + "*"]
            elif isinstance(arg, ast.IfExp):
                keys = [
                    b.value
                    for b in (arg.body, arg.orelse)
                    if isinstance(b, ast.Constant) and isinstance(b.value, str)
                ]
            names = {k.arg for k in node.keywords}
            for key in keys:
                if not names or None in names:
                    unchecked.add(key)
                else:
                    passed.setdefault(key, set()).update(n for n in names if n is not None)
    return {key: names for key, names in passed.items() if key not in unchecked}


def test_the_placeholders_check_content_allows_are_the_ones_the_code_passes() -> None:
    """check-content refuses a placeholder the code does not fill in (`{nme}`), from
    bot/lang/ui_placeholders.txt: that list must be what the code passes."""
    expected = sorted(
        f"{key} {' '.join(sorted(names))}" for key, names in _placeholders_passed().items()
    )
    assert sorted(f"{k} {' '.join(sorted(v))}" for k, v in ui_placeholders().items()) == expected, (
        "regenerate bot/lang/ui_placeholders.txt with these lines:\n" + "\n".join(expected)
    )
