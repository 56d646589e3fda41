"""check-content tells organizers, per language, what is not translated or older than its source."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import yaml

from bot.__main__ import check_content
from tests.conftest import CONTENT_DIR


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def entries(data):
    return [e for c in data["categories"] for e in c["entries"]]


def test_missing_and_stale_translations_are_listed_without_failing(tmp_path: Path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)

    dropped = "cost"

    def drop(data):
        for category in data["categories"]:
            category["entries"] = [e for e in category["entries"] if e["id"] != dropped]
        data["categories"] = [c for c in data["categories"] if c["entries"]]
        for entry in entries(data):
            if dropped in entry.get("see_also", ()):
                entry["see_also"] = [i for i in entry["see_also"] if i != dropped]

    edit(content / "es" / "faq.yaml", drop)
    examples = content / "es" / "examples" / "questions.yaml"
    if examples.exists():  # examples of an entry the language lacks would name nothing

        def unlabel(data):
            data["messages"] = [m for m in data["messages"] if m.get("label") != dropped]

        edit(examples, unlabel)
    edit(content / "en" / "faq.yaml", lambda d: entries(d)[0].update(updated="2026-12-01"))
    first = entries(yaml.safe_load((content / "en" / "faq.yaml").read_text()))[0]["id"]
    edit(content / "es" / "grounding.yaml", lambda d: d["exercises"].pop())
    edit(
        content / "en" / "grounding.yaml", lambda d: d["exercises"][0].update(updated="2026-12-01")
    )
    exercise = yaml.safe_load((content / "en" / "grounding.yaml").read_text())["exercises"][0]["id"]
    edit(content / "es" / "ui.yaml", lambda d: d.pop("button_random"))
    (content / "es" / "safety_plan.yaml").unlink()
    last = yaml.safe_load((content / "en" / "grounding.yaml").read_text())["exercises"][-1]["id"]

    out = io.StringIO()
    assert check_content(content, "en", out, scores=False) == 0
    report = out.getvalue()
    faq_lines = [line for line in report.splitlines() if "es/faq.yaml" in line]
    assert any("not translated yet" in line and dropped in line for line in faq_lines)
    assert any("older than the en source" in line and first in line for line in faq_lines)
    exercise_lines = [line for line in report.splitlines() if "es/grounding.yaml" in line]
    assert any("not translated yet" in line and last in line for line in exercise_lines)
    assert any("older than the en source" in line and exercise in line for line in exercise_lines)
    ui_lines = [line for line in report.splitlines() if "es/ui.yaml" in line]
    assert any(
        "not translated yet (en shown)" in line and "button_random" in line for line in ui_lines
    )
    # A whole file missing is named too (the English one is shown meanwhile).
    assert any(
        "es/safety_plan.yaml" in line and "not translated yet (en shown): the whole file" in line
        for line in report.splitlines()
    )


def test_the_shipped_translation_is_complete(tmp_path: Path):
    out = io.StringIO()
    assert check_content(CONTENT_DIR, "en", out, scores=False) == 0
    assert "not translated yet" not in out.getvalue()
    assert "older than" not in out.getvalue()
