"""The long-lived services the handlers use, created in post_init and closed in post_shutdown."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.checkins import CheckIns
from bot.config import Settings
from bot.content import Content, LanguagePack, Problem, RegionResources
from bot.danger import DangerReader, danger_vocabulary
from bot.directory_guard import DirectoryHold
from bot.feed_zones import region_for_zone
from bot.matching import FaqMatcher, Lexicon
from bot.meetings import Directory
from bot.models import Models
from bot.safety import Assessment, CrisisDetector
from bot.safety_plan import PlanDrafts
from bot.schedule import Schedule
from bot.storage import Storage
from bot.subscriptions import Subscriptions
from bot.understanding import QuestionReader

Clock = Callable[[], datetime]
_LOGGER = logging.getLogger(__name__)


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
    readers: Mapping[str, QuestionReader] = field(default_factory=dict)
    models: Models = Models()
    danger: DangerReader | None = None
    # Problems found in the meetings file it was loaded from that keep the file from being used
    # (`bot.meetings.refusing`), and the records left out of it while the rest is used.
    directory_problems: int = 0
    directory_left_out: tuple[Problem, ...] = ()

    @classmethod
    def build(
        cls, content: Content, directory: Directory | None = None, models: Models | None = None
    ) -> Library:
        """Precompute the crisis patterns and one question matcher and reader per language.

        Without `models` (trained by `bot.models.build_models`) the readers use the rules alone."""
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
        models = models or Models()
        readers = {
            language: QuestionReader(
                matchers[language],
                models.questions.get(language),
                [e.id for c in pack.faq.categories for e in c.entries],
            )
            for language, pack in content.packs.items()
        }
        danger = DangerReader(detector, models.safety, danger_vocabulary(models.danger_words))
        return cls(content, detector, matchers, directory or Directory(), readers, models, danger)

    def assess(self, text: str) -> Assessment:
        """The safety check of one message: rules, then the learned model, then the floor."""
        if self.danger is None:
            return self.detector.assess(text)
        return self.danger.assess(text)

    def pack(self, language: str | None) -> LanguagePack:
        return self.content.pack(language)

    @cached_property
    def schedule(self) -> Schedule:
        """The directory's starts in time order, worked out on first use (see bot.schedule)."""
        return Schedule(self.directory.meetings)

    def matcher(self, pack: LanguagePack) -> FaqMatcher:
        return self.matchers[pack.language]

    def reader(self, pack: LanguagePack) -> QuestionReader:
        return self.readers[pack.language]


@dataclass
class Services:
    """What a handler may reach, through `context.services`."""

    settings: Settings
    library: Library
    storage: Storage
    clock: Clock = utc_now
    subscriptions: Subscriptions = field(init=False)
    checkins: CheckIns = field(init=False)
    # Why the directory serving is not the meetings file's (None: it is); see bot.directory_guard.
    directory_hold: DirectoryHold | None = None
    # Which copy of each feed this process serves (its `fetched_at`; see bot.delivery.feeds).
    feed_versions: dict[str, datetime | None] = field(default_factory=dict)
    # Safety plans in progress: this process's memory only, never the database (bot.safety_plan).
    plans: PlanDrafts = field(default_factory=PlanDrafts)

    def __post_init__(self) -> None:
        self.subscriptions = Subscriptions(self.storage, lambda: self.library.directory)
        self.checkins = CheckIns(self.storage, lambda: self.subscriptions.on_change())

    async def user_zone(self, chat_id: int) -> ZoneInfo:
        """The user's time zone, or the configured default for people who never chose one."""
        user = await self.storage.get_user(chat_id)
        name = user.timezone if user is not None and user.timezone else None
        try:
            return ZoneInfo(name or self.settings.defaults.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(self.settings.defaults.timezone)

    async def chosen_zone(self, chat_id: int | None) -> str | None:
        """The time zone the user chose, or None (never chosen, or unknown chat)."""
        if chat_id is None:
            return None
        try:
            user = await self.storage.get_user(chat_id)
        except Exception:  # noqa: BLE001 - crisis replies go out with the default region instead
            _LOGGER.warning("could not read a user's time zone; using the configured region")
            return None
        return user.timezone if user is not None and user.timezone else None

    async def region_of(self, pack: LanguagePack, chat_id: int | None) -> RegionResources:
        """The resources for the region of the zone this chat chose (`region`); the configured
        region's when it chose none, or its row cannot be read."""
        return self.region(pack, await self.chosen_zone(chat_id or None))

    def region(self, pack: LanguagePack, zone: str | None = None) -> RegionResources:
        """The resources of the region the user's time zone `zone` lies in, where the content
        has that region; else the configured region's; else the international ones."""
        regions = pack.safety.regions
        local = region_for_zone(zone, regions) if zone else None
        return (
            (regions.get(local) if local else None)
            or regions.get(self.settings.safety.region)
            or regions.get("INTL")
            or next(iter(regions.values()))
        )
