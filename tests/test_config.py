"""Configuration: defaults that work, and one clear paragraph for every mistake."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from tests.conftest import ROOT


def test_defaults_work_without_a_file():
    settings = load_settings(None, environ={})
    assert settings.database.url.startswith("sqlite+aiosqlite:///data/")
    assert settings.safety.region == "US" and settings.token is None


def test_environment_token_overrides_the_file(tmp_path: Path):
    path = tmp_path / "c.yaml"
    path.write_text("telegram:\n  token: from-file\n")
    assert load_settings(path, environ={}).token == "from-file"
    assert load_settings(path, environ={"TELEGRAM_BOT_TOKEN": "from-env"}).token == "from-env"


def test_token_is_never_printed(tmp_path: Path):
    settings = load_settings(
        None, environ={"TELEGRAM_BOT_TOKEN": "123:zebra", "TELEGRAM_WEBHOOK_SECRET": "giraffe"}
    )
    for shown in (repr(settings), str(settings), str(settings.model_dump())):
        assert "zebra" not in shown and "giraffe" not in shown


@pytest.mark.parametrize(
    ("yaml", "expected"),
    [
        ("telegram:\n  tokn: x\n", "unknown key 'telegram.tokn'"),
        ("defaults:\n  timezone: Mars/Olympus\n", "'defaults.timezone'"),
        ("admins: [me]\n", "'admins.0'"),
        ("telegram:\n  mode: carrier-pigeon\n", "'telegram.mode' must be one of"),
        ("telegram:\n  webhook:\n    secret_token: 'has space'\n", "telegram.webhook.secret_token"),
        ("database:\n  url: mysql://x\n", "'database.url'"),
        ("database:\n  url: 'sqlite+aiosqlite:///:memory:'\n", "forgets every reminder"),
        ("database:\n  url: 'sqlite+aiosqlite://'\n", "name a file"),
        ("safety:\n  region: usa\n", "'safety.region'"),
        ("- just\n- a list\n", "mapping"),
    ],
)
def test_mistakes_name_the_key(tmp_path: Path, yaml: str, expected: str):
    path = tmp_path / "c.yaml"
    path.write_text(yaml)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value).strip()


def test_time_zone_mistake_suggests_close_names(tmp_path: Path):
    path = tmp_path / "c.yaml"
    path.write_text("defaults:\n  timezone: london\n")
    with pytest.raises(ConfigError, match="Europe/London"):
        load_settings(path, environ={})


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
    )


def test_cli_exits_2_without_traceback_on_a_bad_key(tmp_path: Path):
    path = tmp_path / "c.yaml"
    path.write_text("telegram:\n  mode: websocket\n")
    result = _run("--config", str(path))
    assert result.returncode == 2
    assert "telegram.mode" in result.stderr and "Traceback" not in result.stderr


def test_cli_webhook_mode_needs_a_public_url_and_a_secret(tmp_path: Path):
    path = tmp_path / "c.yaml"
    path.write_text("telegram:\n  mode: webhook\n")
    result = _run("--config", str(path), env={"TELEGRAM_BOT_TOKEN": "1:x"})
    assert result.returncode == 2
    assert "telegram.webhook.public_url" in result.stderr and "Traceback" not in result.stderr


def test_cli_refuses_polling_without_a_token(tmp_path: Path):
    path = tmp_path / "c.yaml"
    path.write_text(
        f"telegram:\n  mode: polling\ndatabase:\n  url: sqlite+aiosqlite:///{tmp_path}/x.db\n"
    )
    result = _run("--config", str(path))
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_cli_refuses_a_region_without_resources(tmp_path: Path):
    path = tmp_path / "c.yaml"
    path.write_text("safety:\n  region: ZZ\n")
    result = _run("--config", str(path))
    assert result.returncode == 2 and "'safety.region'" in result.stderr


def test_help_explains_every_option():
    result = _run("--help")
    assert result.returncode == 0
    for word in ("--config", "check-content", "TELEGRAM_BOT_TOKEN"):
        assert word in result.stdout


def test_cli_unreachable_bot_api_is_one_clear_paragraph(tmp_path: Path):
    path = tmp_path / "c.yaml"
    path.write_text(
        "telegram:\n  mode: polling\n  base_url: http://127.0.0.1:9/bot\n"
        f"database:\n  url: sqlite+aiosqlite:///{tmp_path}/x.db\n"
    )
    result = _run("--config", str(path), env={"TELEGRAM_BOT_TOKEN": "1:zebra"})
    assert result.returncode == 2
    assert "Cannot reach the Telegram Bot API" in result.stderr
    assert "Traceback" not in result.stderr and "zebra" not in result.stderr
