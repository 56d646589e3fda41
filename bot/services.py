"""The long-lived services the handlers use, created in post_init and closed in post_shutdown."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import Settings
from bot.content import Content, LanguagePack, RegionResources
from bot.matching import FaqMatcher, Lexicon
from bot.meetings import Directory
from bot.safety import CrisisDetector
from bot.storage import Storage
from bot.subscriptions import Subscriptions

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock; tests inject their own."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Library:
    """Content with everything derived from it, swapped as one piece on reload."""

    content: Content
    detector: CrisisDetector
    matchers: Mapping[str, FaqMatcher]
    directory: Directory = Directory()

    @classmethod
    def build(cls, content: Content, directory: Directory | None = None) -> Library:
        """Precompute the crisis patterns and one question matcher per language."""
        # A language without its own faq.yaml and word tables has the default ones: one matcher
        # serves both.
        lexicons: dict[tuple[int, int], Lexicon] = {}
        built: dict[tuple[int, int, int], FaqMatcher] = {}
        matchers: dict[str, FaqMatcher] = {}
        for language, pack in content.packs.items():
            tables = (id(pack.words), id(pack.vocabulary))
            if tables not in lexicons:
                lexicons[tables] = Lexicon(pack.words, pack.vocabulary)
            key = (id(pack.faq), *tables)
            if key not in built:
                entries = (e for c in pack.faq.categories for e in c.entries)
                built[key] = FaqMatcher.build(entries, lexicons[tables])
            matchers[language] = built[key]
        detector = CrisisDetector.from_rules(content.detection)
        return cls(content, detector, matchers, directory or Directory())

    def pack(self, language: str | None) -> LanguagePack:
        return self.content.pack(language)

    def matcher(self, pack: LanguagePack) -> FaqMatcher:
        return self.matchers[pack.language]


@dataclass
class Services:
    """What a handler may reach, through `context.services`."""

    settings: Settings
    library: Library
    storage: Storage
    clock: Clock = utc_now
    subscriptions: Subscriptions = field(init=False)

    def __post_init__(self) -> None:
        self.subscriptions = Subscriptions(self.storage, lambda: self.library.directory)

    async def user_zone(self, chat_id: int) -> ZoneInfo:
        """The user's time zone, or the configured default for people who never chose one."""
        user = await self.storage.get_user(chat_id)
        name = user.timezone if user is not None and user.timezone else None
        try:
            return ZoneInfo(name or self.settings.defaults.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(self.settings.defaults.timezone)

    def region(self, pack: LanguagePack) -> RegionResources:
        """The configured region's resources in the pack's language, else the international ones."""
        regions = pack.safety.regions
        return (
            regions.get(self.settings.safety.region)
            or regions.get("INTL")
            or next(iter(regions.values()))
        )
