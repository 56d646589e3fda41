"""The import rules of the routing, read from the source with `ast` (lazy imports included).

Nothing imports the entry point `bot.__main__` (settings live in `bot.config`), and nothing but
`register()` in `bot/handlers/__init__.py` imports a handler module: a handler may import
`bot.handlers.common`; what one feature needs of another comes in through `register`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "scheduler")
HANDLERS = ROOT / "bot" / "handlers"
SHARED_HANDLER_MODULES = {"bot.handlers", "bot.handlers.common"}
# Imports another branch of issue 10 removes (reminder delivery moves to `bot.delivery`); delete
# these once it is merged.
PENDING = {
    ("bot/app.py", "bot.handlers.reminders"),
    ("bot/webhook.py", "bot.handlers.reminders"),
    ("bot/handlers/admin.py", "bot.handlers.reminders"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imported_modules(path: Path) -> Iterator[str]:
    """Every module `path` imports, anywhere in it (`from a import b` counts `a.b` if a module)."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            for alias in node.names:
                if is_module(f"{base}.{alias.name}"):
                    yield f"{base}.{alias.name}"


def imports() -> set[tuple[str, str]]:
    """(file relative to the repository, imported module) for every source file of the app."""
    return {
        (path.relative_to(ROOT).as_posix(), name)
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in imported_modules(path)
    }


def test_the_reader_sees_what_files_import():
    found = imports()
    assert ("bot/handlers/__init__.py", "bot.handlers.admin") in found
    assert ("bot/handlers/admin.py", "bot.handlers.common") in found
    assert ("bot/organizer.py", "bot.config") in found


def test_nothing_imports_the_entry_point():
    assert sorted(file for file, name in imports() if name == "bot.__main__") == []


def test_only_register_imports_a_handler_module():
    wrong = {
        (file, name)
        for file, name in imports()
        if name.startswith("bot.handlers.")
        and name not in SHARED_HANDLER_MODULES
        and file != "bot/handlers/__init__.py"
    }
    assert sorted(wrong - PENDING) == []
