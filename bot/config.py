"""Typed settings from a YAML file and the environment.

Every key is documented in `config.example.yaml`. Mistakes are reported as one paragraph that names
the key and what would be valid (`ConfigError`), never as a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.yamlfile import YamlFileError, load_yaml

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"  # noqa: S105 - the name of a variable, not a secret
SECRET_ENV = "TELEGRAM_WEBHOOK_SECRET"  # noqa: S105 - the name of a variable, not a secret
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
# The meeting directory, inside `content.dir`.
MEETINGS_FILE = "meetings.yaml"


class ConfigError(Exception):
    """A configuration mistake, explained in one paragraph for the person running the bot."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebhookSettings(_Section):
    # Where this process listens (behind a reverse proxy, usually 127.0.0.1).
    listen: str = "127.0.0.1"
    port: int = Field(default=8443, ge=1, le=65535)
    # The path Telegram posts to; /healthz is served beside it.
    path: str = Field(default="/telegram", pattern=r"^/[A-Za-z0-9_./-]*$")
    # The public https address Telegram is told to post to (registered at start-up).
    public_url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    # Telegram sends it in X-Telegram-Bot-Api-Secret-Token; TELEGRAM_WEBHOOK_SECRET overrides.
    secret_token: SecretStr | None = None

    @field_validator("secret_token")
    @classmethod
    def _secret_chars(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("use 1-256 letters, digits, _ or - (Telegram's rule)")
        return value


class TelegramSettings(_Section):
    token: SecretStr | None = None
    base_url: str = DEFAULT_BASE_URL
    # auto: polling when a token is set, otherwise a chat in the terminal.
    mode: Literal["auto", "polling", "webhook", "terminal"] = "auto"
    webhook: WebhookSettings = WebhookSettings()
    # The bot's @username, for links printed without asking Telegram (`python -m bot link`).
    username: str | None = None

    @field_validator("username")
    @classmethod
    def _telegram_username(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.removeprefix("@")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{3,31}", value):
            raise ValueError("use 4-32 letters, digits or _, starting with a letter")
        return value

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value


class DatabaseSettings(_Section):
    url: str = "sqlite+aiosqlite:///data/bot.sqlite3"

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "use an async driver: sqlite+aiosqlite:///path/to/file.sqlite3 "
                "or postgresql+asyncpg://user:password@host/dbname"
            )
        database = value.removeprefix("sqlite+aiosqlite://").lstrip("/").split("?")[0]
        if value.startswith("sqlite") and database in ("", ":memory:"):
            raise ValueError(
                "an in-memory database forgets every reminder at a restart; "
                "name a file: sqlite+aiosqlite:///data/bot.sqlite3"
            )
        return value


class ContentSettings(_Section):
    dir: Path = Path("content")
    # Where the models trained from the content's examples are cached (rebuilt when they change).
    models_cache: Path = Path("data/models")
    # A directory change (start-up or /reload) that would pause or notify more than this share
    # of the meeting subscriptions, and more than hold_min of them, waits for an organizer.
    hold_share: float = Field(default=0.2, ge=0, le=1)
    hold_min: int = Field(default=5, ge=0)


class FeedSettings(_Section):
    """One Meeting Guide JSON feed the bot keeps its directory in step with."""

    # An http(s) address, or a file path (a feed saved by hand or by another job).
    url: str = Field(min_length=1, max_length=1000)
    # The zone of records that carry none (else the zone their coordinates or state imply).
    timezone: str | None = None
    # The program of its meetings (AA, NA...; else the meetings file's `program:`).
    program: str | None = None
    refresh_minutes: int = Field(default=60, ge=5, le=7 * 24 * 60)

    @field_validator("url")
    @classmethod
    def _address_or_path(cls, value: str) -> str:
        if "://" in value and not value.lower().startswith(("https://", "http://")):
            raise ValueError("give an http(s) address or a file path")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from bot.feed_zones import zone_named

        named = zone_named(value)
        if named is None:
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as America/Chicago"
            )
        return named


class DirectorySettings(_Section):
    # Feeds fetched on schedule (conditional requests); their meetings join the meetings file's.
    # A feed that cannot be fetched or read keeps its last good copy (kept in the database).
    feeds: tuple[FeedSettings, ...] = ()
    fetch_timeout_seconds: float = Field(default=20.0, gt=0, le=300)


class DefaultsSettings(_Section):
    timezone: str = "UTC"
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}$")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            close = sorted(z for z in available_timezones() if value.lower() in z.lower())[:3]
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise ValueError(
                f"{value!r} is not an IANA time zone name such as Europe/London{hint}"
            ) from None
        return value


class SafetySettings(_Section):
    region: str = Field(default="US", pattern=r"^[A-Z]{2,4}$")


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class GroundingSettings(_Section):
    # Multiplies the pauses of guided exercises; 1.0 is the pace written in the content.
    pace: float = Field(default=1.0, gt=0, le=5)


class PrivacySettings(_Section):
    # People who have not written for this many days, and have no reminders running, are deleted.
    inactive_days: int = Field(default=180, ge=1)
    # People who blocked the bot are deleted once they have not written for this many days.
    blocked_days: int = Field(default=30, ge=1)
    # When the daily purge runs (hour of the day, UTC).
    purge_hour_utc: int = Field(default=3, ge=0, le=23)


class RemindersSettings(_Section):
    # Reminder messages per second over all chats (and all instances on one PostgreSQL).
    # Telegram allows about 30 a second; more needs paid broadcasts (paid_broadcast: true, up to
    # 1000 a second, each message costs Stars and the bot must have them enabled on Telegram's
    # side).
    overall_per_second: float = Field(default=30, gt=0, le=1000)
    # Messages per second to any one chat (Telegram: about 1 a second in a private chat).
    per_chat_per_second: float = Field(default=1, gt=0, le=30)
    paid_broadcast: bool = False
    # How long (seconds) a claimed reminder stays reserved for the instance that claimed it before
    # another instance may take it over (it is renewed while that instance is alive).
    lease_seconds: float = Field(default=30, ge=1, le=3600)
    # The most reminder sends under way at once. The engine sends one at a time unless Telegram
    # answers too slowly for one at a time to reach overall_per_second; then rate x answer time,
    # up to this. Every send under way is one a hard crash could make arrive twice.
    max_in_flight: int = Field(default=16, ge=1, le=256)

    @model_validator(mode="after")
    def _paid_above_30(self) -> RemindersSettings:
        if self.overall_per_second > 30 and not self.paid_broadcast:
            raise ValueError(
                "overall_per_second above 30 needs paid_broadcast: true (Telegram's free limit "
                "is about 30 messages a second)"
            )
        return self


class Settings(_Section):
    telegram: TelegramSettings = TelegramSettings()
    database: DatabaseSettings = DatabaseSettings()
    content: ContentSettings = ContentSettings()
    directory: DirectorySettings = DirectorySettings()
    admins: tuple[int, ...] = ()
    defaults: DefaultsSettings = DefaultsSettings()
    safety: SafetySettings = SafetySettings()
    grounding: GroundingSettings = GroundingSettings()
    logging: LoggingSettings = LoggingSettings()
    reminders: RemindersSettings = RemindersSettings()
    privacy: PrivacySettings = PrivacySettings()

    @property
    def token(self) -> str | None:
        """The bot token, or None when the bot should chat in the terminal."""
        return self.telegram.token.get_secret_value() if self.telegram.token else None


def _explain(error: Mapping[str, Any], source: str) -> str:
    key = ".".join(str(p) for p in error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        return (
            f"{source}: unknown key '{key}'. Valid keys are listed and explained in "
            "config.example.yaml; check the spelling and the indentation."
        )
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{source}: '{key}' must be one of {expected}, not {error['input']!r}."
    if kind == "string_pattern_mismatch" and key == "safety.region":
        return (
            f"{source}: 'safety.region' must be a region code such as US, UK, IE, CA, AU or INTL."
        )
    if kind == "string_pattern_mismatch" and key == "defaults.language":
        return f"{source}: 'defaults.language' must be a language code such as en or es."
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{source}: '{key}' is not valid: {message} (you gave {error['input']!r})."


def load_settings(path: Path | None, environ: dict[str, str] | None = None) -> Settings:
    """Read settings from `path` (or defaults), then let the environment override the token."""
    environ = dict(os.environ) if environ is None else environ
    data: dict[str, Any] = {}
    source = str(path) if path else "defaults"
    if path is not None:
        try:
            loaded = load_yaml(path)
        except YamlFileError as exc:
            raise ConfigError(f"{exc}. The configuration file must be valid YAML.") from None
        if loaded.data is not None and not isinstance(loaded.data, dict):
            raise ConfigError(f"{path}: the configuration must be a mapping of keys to values.")
        data = dict(loaded.data or {})
    token = environ.get(TOKEN_ENV, "").strip()
    secret = environ.get(SECRET_ENV, "").strip()
    if token or secret:
        telegram = data.get("telegram") or {}
        if not isinstance(telegram, dict):
            raise ConfigError(f"{source}: 'telegram' must be a mapping of keys to values.")
        telegram = dict(telegram)
        if token:
            telegram["token"] = token
        if secret:
            webhook = telegram.get("webhook") or {}
            if not isinstance(webhook, dict):
                raise ConfigError(f"{source}: 'telegram.webhook' must be a mapping of keys.")
            telegram["webhook"] = {**webhook, "secret_token": secret}
        data["telegram"] = telegram
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(" ".join(_explain(e, source) for e in exc.errors()[:3])) from None
