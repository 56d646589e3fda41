"""The floors run one way: what each package may import, read from the source with `ast`.

`scheduler/` is a lower layer and imports nothing from `bot/`; nothing imports a handler module
but `register()` (`bot/handlers/__init__.py`); nothing imports the entry point `bot/__main__.py`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HANDLERS = "bot.handlers"
# Helpers the handlers share; not a screen of their own.
HANDLER_HELPERS = {"bot.handlers.common"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports(path: Path) -> Iterator[str]:
    """Every module `path` imports, at the top or inside a function (a lazy import counts)."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path.parent)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                # `from bot.handlers import admin` imports the module bot.handlers.admin.
                name = f"{base}.{alias.name}"
                yield name if is_module(name) else base


def sources(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def offenders(paths: list[Path], forbidden: Callable[[Path, str], bool]) -> list[str]:
    """`path imports name` for every import `forbidden` refuses."""
    return sorted(
        {
            f"{path.relative_to(ROOT)} imports {name}"
            for path in paths
            for name in imports(path)
            if forbidden(path, name)
        }
    )


def test_the_checker_sees_every_package():
    assert sources("scheduler") and sources("bot")
    assert "bot.handlers.admin" in set(imports(ROOT / "bot" / "handlers" / "__init__.py"))


def test_scheduler_imports_nothing_from_bot():
    found = offenders(
        sources("scheduler"), lambda path, name: name == "bot" or name.startswith("bot.")
    )
    assert found == []


def _handler_module(name: str) -> bool:
    return name.startswith(HANDLERS + ".") and name not in HANDLER_HELPERS


def test_nothing_outside_the_handlers_imports_a_handler_module():
    outside = [p for p in sources("bot", "scheduler") if HANDLERS not in module_name(p)]
    found = offenders(outside, lambda path, name: _handler_module(name))
    assert found == []


def test_only_register_imports_a_handler_module():
    inside = [
        p
        for p in sources("bot/handlers")
        if module_name(p) != HANDLERS and module_name(p) not in HANDLER_HELPERS
    ]
    found = offenders(inside, lambda path, name: _handler_module(name))
    assert found == []


def test_nothing_imports_the_entry_point():
    found = offenders(sources("bot", "scheduler"), lambda path, name: name == "bot.__main__")
    assert found == []


# The pure domain: no Telegram, no database, no network.
DOMAIN = (
    "bot/meetings.py",
    "bot/personal.py",
    "bot/timezones.py",
    "bot/matching.py",
    "bot/safety.py",
    "bot/classifier.py",
    "bot/understanding.py",
    "bot/danger.py",
    "bot/feed_zones.py",
    "scheduler/recurrence.py",
)


def test_the_domain_imports_no_telegram_and_no_database():
    found = offenders(
        [ROOT / path for path in DOMAIN],
        lambda path, name: name.split(".")[0] in {"telegram", "sqlalchemy", "httpx", "aiosqlite"},
    )
    assert found == []
