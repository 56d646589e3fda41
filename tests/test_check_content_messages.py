"""check-content's messages: one problem, one message, at its line, with the likely fix (issue 15).

Each case is a one-line slip in a copy of the shipped content, and the test reads what
`python -m bot check-content` prints for it.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from bot.__main__ import check_content
from tests.conftest import CONTENT_DIR


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first `old` in `path` with `new`; the line it starts on."""
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    return text[: text.index(old)].count("\n") + 1


def problems(folder: Path) -> list[str]:
    """check-content's problem lines (its summary left out); it must have failed."""
    out = io.StringIO()
    assert check_content(folder, "en", out, scores=False) == 1, out.getvalue()
    lines = out.getvalue().splitlines()
    assert "problem(s) found" in lines[-1]
    return lines[:-1]


def test_a_misspelt_faq_field_is_one_problem_with_its_fix(folder: Path):
    faq = folder / "en" / "faq.yaml"
    line = edit(faq, "        also_asked:\n", "        also_askd:\n")
    # Before: also the five see_also naming the entry left out ("unknown id 'what-to-expect'").
    assert problems(folder) == [
        f"{faq}:{line}: what-to-expect: unknown field 'also_askd' — did you mean 'also_asked'?"
    ]


def test_a_misspelt_required_ui_key_is_named_at_its_line(folder: Path):
    ui = folder / "en" / "ui.yaml"
    line = edit(ui, "welcome: |", "welcom: |")
    assert problems(folder) == [
        f"{ui}:{line}: unknown key 'welcom' — did you mean 'welcome'? (the bot needs 'welcome')"
    ]


def test_a_missing_ui_key_with_nothing_like_it_is_still_missing(folder: Path):
    ui = folder / "en" / "ui.yaml"
    edit(ui, 'meetings_today: "Today"\n', "")
    assert problems(folder) == [f"{ui}:1: meetings_today: missing text"]


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        ("en/ui.yaml", 'meetings_today: "Today"', 'meetings_today: "Today'),
        (
            "en/faq.yaml",
            'question: "What happens at a first meeting?"',
            'question: "What happens at a first meeting?',
        ),
        ("en/ui.yaml", 'meetings_now: "On now"', "meetings_now: 'On now"),
    ],
)
def test_a_missing_closing_quote_is_named_on_the_line_it_opens(
    folder: Path, file: str, old: str, new: str
):
    path = folder / file
    line = edit(path, old, new)
    quote = new[new.index(":") + 2]
    assert problems(folder) == [
        f"{path}:{line}: the {quote} opened on this line is not closed; end the text with {quote}"
    ]


def test_html_in_an_answer_is_refused_at_its_line(folder: Path):
    faq = folder / "en" / "faq.yaml"
    line = edit(
        faq,
        "Most meetings follow a simple pattern.",
        "Most meetings follow a <b>simple</b> pattern.",
    )
    assert problems(folder) == [
        f"{faq}:{line}: what-to-expect: answer: <b> is HTML, which the bot shows as typed; "
        "answers are plain text: leave the tag out"
    ]


def test_a_less_than_sign_is_not_html(folder: Path):
    faq = folder / "en" / "faq.yaml"
    edit(faq, "Most meetings follow a simple pattern.", "Most meetings take < 90 minutes.")
    assert check_content(folder, "en", io.StringIO(), scores=False) == 0


def test_an_unknown_meeting_type_code_is_refused_with_the_closest(folder: Path):
    meetings = folder / "meetings.yaml"
    line = edit(meetings, "types: [O, D, BE, X]", "types: [O, D, BEE, X]")
    assert problems(folder) == [
        f"{meetings}:{line}: example-aa-serenity-at-seven: types: unknown type code 'BEE' "
        "(did you mean 'BE'?); the codes are those of meeting_types.yaml (add a name there for "
        "a code of your own)"
    ]


def test_a_thirteen_hour_meeting_is_a_start_on_the_twelve_hour_clock(folder: Path):
    """`time: 7:00` (unquoted, even) for a 19:00-20:00 meeting."""
    meetings = folder / "meetings.yaml"
    line = edit(
        meetings,
        'time: "19:00"\n    end_time: "20:00"',
        "time: 7:00\n    end_time: 20:00",
    )
    assert problems(folder) == [
        f"{meetings}:{line}: example-aa-serenity-at-seven: time 07:00 to end_time 20:00 is 13 "
        'hours; did you mean time: "19:00"? (times are on the 24-hour clock)'
    ]


def test_an_end_on_the_twelve_hour_clock_is_named_too(folder: Path):
    meetings = folder / "meetings.yaml"
    line = edit(
        meetings, 'time: "19:00"\n    end_time: "20:00"', 'time: "19:00"\n    end_time: "8:00"'
    )
    assert problems(folder) == [
        f"{meetings}:{line}: example-aa-serenity-at-seven: time 19:00 to end_time 08:00 is 13 "
        'hours; did you mean end_time: "20:00"? (times are on the 24-hour clock)'
    ]


def test_a_kind_on_an_ordinary_safety_example_is_refused_at_its_line(folder: Path):
    examples = folder / "en" / "examples" / "safety.yaml"
    line = edit(examples, "  expect: gentle\n  kind: none\n", "  expect: gentle\n  kind: abuse\n")
    out = io.StringIO()
    assert check_content(folder, "en", out, scores=False) == 1
    problem, summary = out.getvalue().splitlines()
    assert problem.startswith(f"{examples}:{line - 1}: "), problem  # the entry's first line
    assert "kind 'abuse' is for crisis examples only" in problem
    assert summary.startswith("1 problem found")
