"""Which IANA time zone a person means by what they type, and zones on buttons (pure).

People type "london", "New York", "são paulo", "EST", "india", "boston" or "lodnon"; `find_zones`
turns that into IANA names, trying, in order, the first step that finds anything:

1. an offset ("UTC+2", "gmt-5", "+10"): the places people live at that offset (Sydney and
   Brisbane for +10), never an `Etc/GMT` zone with its inverted sign and no daylight saving;
2. abbreviations, country names and big cities whose zone is named after another city (`_ALIASES`);
3. an exact IANA name, any case ("europe/london", "US/Eastern");
4. the city part of a zone name ("los angeles" -> America/Los_Angeles), accents and case ignored;
   (Spanish names too: "nueva york", "ciudad de méxico", "londres"; `SPANISH_NAMES`);
5. the start of a city or alias ("buenos" -> America/Argentina/Buenos_Aires);
6. typos: rapidfuzz similarity against the same cities and aliases.

Buttons carry zones as `zone_code(name)`: the name in lower case with "/" written as ".", which fits
the payload alphabet (`[a-z0-9_.-]`, at most 40) and, unlike an index into a sorted list of zones,
stays valid when the tz database gains or renames zones. IANA names are unique regardless of case,
so `zone_from_code` gives the name back. Names with "+" (such as `Etc/GMT+5`) have no code.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from rapidfuzz import fuzz, process

# Offered as buttons on /timezone, west to east.
COMMON_ZONES: tuple[str, ...] = (
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Africa/Johannesburg",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
)

# Areas whose zones are named after a city; the rest are legacy links ("US/Eastern", "GB").
_CITY_AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
# Entries of `available_timezones()` that are not zones anyone lives in.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})

# Zone -> what people call it, comma-separated, in any case and with or without accents:
# abbreviations (North American readings first), countries with one zone (or one nearly everybody
# uses), and big cities whose zone is named after another city.
_ONE_ZONE: dict[str, str] = {
    "America/New_York": "est, edt, et, eastern, eastern time, boston, washington, washington dc, "
    "dc, philadelphia, atlanta, miami, orlando, tampa, pittsburgh, baltimore, charlotte, "
    "cleveland, columbus, new jersey, brooklyn, manhattan, nyc, raleigh",
    "America/Chicago": "cst, cdt, ct, central, central time, dallas, houston, austin, san antonio, "
    "minneapolis, st louis, saint louis, new orleans, nashville, kansas city, milwaukee, memphis, "
    "oklahoma city, evanston",
    "America/Denver": "mst, mdt, mountain, mountain time, salt lake city, albuquerque, colorado, "
    "utah",
    "America/Phoenix": "arizona, tucson, scottsdale",
    "America/Los_Angeles": "pst, pdt, pt, pacific, pacific time, san francisco, seattle, portland, "
    "las vegas, san diego, sacramento, oakland, san jose, la, california, silicon valley",
    "America/Anchorage": "akst, akdt, alaska",
    "Pacific/Honolulu": "hst, hawaii",
    "America/Halifax": "ast, atlantic, atlantic time",
    "America/Toronto": "montreal, ottawa, quebec",
    "America/Edmonton": "calgary, alberta",
    "America/Sao_Paulo": "brt, rio, rio de janeiro, brasilia",
    "America/Mexico_City": "cdmx, guadalajara",
    "America/Bogota": "colombia, medellin",
    "America/Lima": "peru",
    "America/Santiago": "chile",
    "America/Argentina/Buenos_Aires": "argentina, buenos aires",
    "America/Caracas": "venezuela",
    "America/Jamaica": "jamaica",
    "America/Puerto_Rico": "puerto rico",
    "UTC": "utc, z, zulu, universal",
    "Europe/London": "gmt, bst, uk, united kingdom, great britain, britain, england, scotland, "
    "wales, northern ireland, manchester, birmingham, liverpool, leeds, glasgow, edinburgh, "
    "cardiff, bristol, belfast, newcastle, sheffield, nottingham",
    "Europe/Dublin": "ireland, eire, cork, galway",
    "Europe/Lisbon": "wet, portugal, porto",
    "Europe/Berlin": "cet, cest, central european, germany, deutschland, munich, frankfurt, "
    "hamburg, cologne",
    "Europe/Paris": "france, lyon, marseille",
    "Europe/Rome": "italy, italia, milan, naples, florence",
    "Europe/Madrid": "spain, espana, barcelona, valencia, seville",
    "Europe/Amsterdam": "netherlands, the netherlands, holland, rotterdam, the hague",
    "Europe/Brussels": "belgium",
    "Europe/Zurich": "switzerland",
    "Europe/Vienna": "austria",
    "Europe/Warsaw": "poland, krakow",
    "Europe/Stockholm": "sweden",
    "Europe/Oslo": "norway",
    "Europe/Copenhagen": "denmark",
    "Europe/Helsinki": "finland",
    "Europe/Athens": "eet, eest, eastern european, greece",
    "Europe/Prague": "czechia, czech republic",
    "Europe/Budapest": "hungary",
    "Europe/Bucharest": "romania",
    "Europe/Kyiv": "ukraine",
    "Europe/Istanbul": "turkey, turkiye, istanbul",
    "Europe/Moscow": "msk, st petersburg, saint petersburg",
    "Atlantic/Reykjavik": "iceland",
    "Asia/Nicosia": "cyprus, nicosia",
    "Asia/Jerusalem": "israel, tel aviv",
    "Africa/Cairo": "egypt",
    "Africa/Johannesburg": "sast, south africa, cape town, durban, pretoria",
    "Africa/Lagos": "wat, nigeria, abuja",
    "Africa/Nairobi": "eat, kenya",
    "Africa/Accra": "ghana",
    "Asia/Kolkata": "ist, india, mumbai, delhi, new delhi, bangalore, bengaluru, chennai, "
    "hyderabad, pune, bombay, calcutta, madras",
    "Asia/Karachi": "pakistan, lahore, islamabad",
    "Asia/Dhaka": "bangladesh",
    "Asia/Kathmandu": "nepal",
    "Asia/Colombo": "sri lanka",
    "Asia/Dubai": "uae, united arab emirates, abu dhabi",
    "Asia/Riyadh": "saudi arabia",
    "Asia/Shanghai": "china, beijing, shenzhen, guangzhou",
    "Asia/Hong_Kong": "hkt, hong kong",
    "Asia/Singapore": "sgt, singapore",
    "Asia/Seoul": "kst, korea, south korea",
    "Asia/Tokyo": "jst, japan, osaka, kyoto",
    "Asia/Manila": "philippines, cebu",
    "Asia/Bangkok": "thailand",
    "Asia/Ho_Chi_Minh": "vietnam, viet nam, hanoi, saigon, ho chi minh city",
    "Australia/Sydney": "aest, aedt, canberra, parramatta, new south wales, nsw",
    "Australia/Brisbane": "gold coast, queensland",
    "Australia/Adelaide": "acst, acdt",
    "Australia/Perth": "awst",
    "Pacific/Auckland": "nzst, nzdt, new zealand, nz, wellington, christchurch",
}

# Countries with several zones: the most populous first.
_SEVERAL_ZONES: dict[str, str] = {
    "usa, us, united states, america": "America/New_York America/Chicago America/Denver "
    "America/Los_Angeles America/Phoenix",
    "canada": "America/Toronto America/Winnipeg America/Edmonton America/Vancouver America/Halifax",
    "australia": "Australia/Sydney Australia/Brisbane Australia/Adelaide Australia/Perth "
    "Australia/Darwin",
    "brazil": "America/Sao_Paulo America/Manaus America/Fortaleza",
    "mexico": "America/Mexico_City America/Tijuana America/Cancun",
    "russia": "Europe/Moscow Asia/Yekaterinburg Asia/Novosibirsk Asia/Vladivostok",
    "indonesia": "Asia/Jakarta Asia/Makassar Asia/Jayapura",
}


def _key(text: str) -> str:
    """Lower case, accents dropped, anything but letters and digits as single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.split(r"[^a-z0-9]+", plain)).strip()


# Zone -> its city's name in Spanish, where it differs (shown to Spanish speakers, and found when
# typed, with or without accents), then other Spanish names people type for it.
SPANISH_NAMES: dict[str, str] = {
    "America/New_York": "Nueva York, hora del este, filadelfia, washington",
    "America/Chicago": "Chicago, hora del centro",
    "America/Denver": "Denver, hora de la montaña",
    "America/Los_Angeles": "Los Ángeles, hora del pacífico, california",
    "America/Mexico_City": "Ciudad de México, ciudad de mexico, mexico df, df, méxico df",
    "America/Bogota": "Bogotá",
    "America/Havana": "La Habana, habana, cuba",
    "America/Guatemala": "Ciudad de Guatemala, guatemala",
    "America/Panama": "Panamá",
    "America/Costa_Rica": "San José de Costa Rica, costa rica",
    "America/El_Salvador": "San Salvador, el salvador",
    "America/Tegucigalpa": "Tegucigalpa, honduras",
    "America/Managua": "Managua, nicaragua",
    "America/Santo_Domingo": "Santo Domingo, república dominicana, republica dominicana",
    "America/Puerto_Rico": "San Juan, puerto rico",
    "America/Asuncion": "Asunción, paraguay",
    "America/Montevideo": "Montevideo, uruguay",
    "America/La_Paz": "La Paz, bolivia",
    "America/Guayaquil": "Quito, ecuador, guayaquil",
    "America/Lima": "Lima, perú",
    "America/Sao_Paulo": "São Paulo, brasil",
    "America/Argentina/Buenos_Aires": "Buenos Aires",
    "Europe/London": "Londres, reino unido, inglaterra, escocia, gales",
    "Europe/Madrid": "Madrid, españa, sevilla, bilbao, zaragoza, málaga",
    "Atlantic/Canary": "Canarias, islas canarias, las palmas, tenerife",
    "Europe/Lisbon": "Lisboa",
    "Europe/Paris": "París, francia",
    "Europe/Berlin": "Berlín, alemania",
    "Europe/Rome": "Roma, milán",
    "Europe/Brussels": "Bruselas, bélgica",
    "Europe/Amsterdam": "Ámsterdam, países bajos, holanda",
    "Europe/Zurich": "Zúrich, suiza, ginebra",
    "Europe/Athens": "Atenas, grecia",
    "Europe/Istanbul": "Estambul, turquía",
    "Europe/Moscow": "Moscú",
    "Europe/Warsaw": "Varsovia, polonia",
    "Europe/Stockholm": "Estocolmo, suecia",
    "Africa/Cairo": "El Cairo, egipto",
    "Africa/Johannesburg": "Johannesburgo, sudáfrica, ciudad del cabo",
    "Asia/Jerusalem": "Jerusalén",
    "Asia/Tokyo": "Tokio, japón",
    "Asia/Shanghai": "Shanghái, pekín, china",
    "Asia/Kolkata": "Calcuta, india, nueva delhi, bombay",
    "Asia/Singapore": "Singapur",
    "Australia/Sydney": "Sídney, sidney",
    "Pacific/Auckland": "Auckland, nueva zelanda",
    "Pacific/Honolulu": "Honolulu, hawái",
}


def city_name(zone: str, language: str = "en") -> str:
    """What people call the zone's place: "Sydney", "New York"; in Spanish "Sídney", "Nueva York"
    (the city part of the zone's name where no Spanish name is known)."""
    if language == "es" and zone in SPANISH_NAMES:
        return SPANISH_NAMES[zone].split(",")[0].strip()
    return zone_label(zone)


def _aliases() -> dict[str, tuple[str, ...]]:
    aliases: dict[str, tuple[str, ...]] = {}
    for zone, names in SPANISH_NAMES.items():
        for name in names.split(","):
            aliases[_key(name)] = (zone,)
    for zone, names in _ONE_ZONE.items():
        for name in names.split(","):
            aliases[name.strip()] = (zone,)
    for names, zones in _SEVERAL_ZONES.items():
        for name in names.split(","):
            aliases[name.strip()] = tuple(zones.split())
    return aliases


# Normalised text (see `_key`) -> zones, best first.
_ALIASES = _aliases()

_OFFSET = re.compile(r"^(?:utc|gmt)?(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$")
_FUZZY_CUTOFF = 80.0
# A fuzzy match this close to the best one is just as likely what was meant.
_FUZZY_TIE = 4.0


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones()) - _NOT_ZONES


@cache
def _full_names() -> Mapping[str, str]:
    return {_key(zone): zone for zone in _zones()}


@cache
def _cities() -> Mapping[str, str]:
    """City part -> zone; where two names share a city, the longer one is tzdata's current name
    ("America/Argentina/Buenos_Aires" over the old link "America/Buenos_Aires")."""
    cities: dict[str, str] = {}
    for zone in sorted(_zones(), key=lambda z: (len(z), z)):
        parts = zone.split("/")
        if len(parts) > 1 and parts[0] in _CITY_AREAS:
            cities[_key(parts[-1])] = zone
    return cities


@cache
def _choices() -> Mapping[str, tuple[str, ...]]:
    """Every name a prefix or typo is matched against, with its zones."""
    choices: dict[str, tuple[str, ...]] = {city: (zone,) for city, zone in _cities().items()}
    choices.update(_ALIASES)
    return {name: zones for name, zones in choices.items() if len(name) >= 3}


def _offset(text: str) -> dt.timedelta | None:
    """ "UTC+2", "gmt -5", "+10", "utc+5:30" as an offset from UTC (the sign would be lost in
    `_key`); None when `text` is not an offset."""
    match = _OFFSET.match(re.sub(r"\s+", "", text.casefold()))
    if match is None or int(match["h"]) > 14 or int(match["m"] or 0) > 59:
        return None
    offset = dt.timedelta(hours=int(match["h"]), minutes=int(match["m"] or 0))
    return -offset if match["sign"] == "-" else offset


# When an offset is typed: a zone matches if it is at that offset now, or in winter or summer
# (someone in Sydney types "+10" all year). Fixed dates: the domain has no clock of its own.
_SEASONS = (dt.datetime(2026, 1, 15, tzinfo=dt.UTC), dt.datetime(2026, 7, 15, tzinfo=dt.UTC))


def _at_offset(offset: dt.timedelta, now: dt.datetime | None) -> list[str]:
    """The places people live at `offset`: the named zones (most populous first), else any
    city's zone; the ones at that offset `now` first."""
    moments = ([now] if now is not None else []) + list(_SEASONS)
    named = [*_ONE_ZONE, *(z for zones in _SEVERAL_ZONES.values() for z in zones.split())]
    named += [z for z in SPANISH_NAMES if z not in named]

    def offsets(zone: str) -> list[dt.timedelta | None]:
        return [moment.astimezone(ZoneInfo(zone)).utcoffset() for moment in moments]

    for candidates in (named, sorted(set(_cities().values()))):
        found = [z for z in _unique(candidates, len(candidates)) if offset in offsets(z)]
        if found:
            return sorted(found, key=lambda z: now is not None and offsets(z)[0] != offset)
    return []


def _unique(zones: Iterable[str], limit: int) -> list[str]:
    seen: list[str] = []
    for zone in zones:
        if zone in _zones() and zone not in seen:
            seen.append(zone)
    return seen[: max(limit, 0)]


def find_zones(text: str, limit: int = 5, now: dt.datetime | None = None) -> list[str]:
    """The IANA zones `text` most likely means, best first; [] when nothing fits. An offset is
    matched against the zones' offsets at `now` too, when given."""
    key = _key(text)
    if not key:
        return []
    offset = _offset(text)
    if offset is not None:
        return _at_offset(offset, now)[: max(limit, 0)]
    for exact in (_ALIASES.get(key, ()), (_full_names().get(key, ""),), (_cities().get(key, ""),)):
        found = _unique((z for z in exact if z), limit)
        if found:
            return found
    choices = _choices()
    if len(key) >= 3:
        starts = sorted(name for name in choices if name.startswith(key))
        found = _unique((z for name in starts for z in choices[name]), limit)
        if found:
            return found
    if len(key) < 4:
        return []
    matches = process.extract(
        key, list(choices), scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF, limit=limit * 2
    )
    if not matches:
        return []
    best = matches[0][1]
    close = [name for name, score, _ in matches if score >= best - _FUZZY_TIE]
    return _unique((z for name in close for z in choices[name]), limit)


# "i'm in boston", "vivo en buenos aires": the place comes after the last "in" or "en".
_IN = re.compile(r"\b(?:in|en) ")
_PLACE_WORDS = 3
# Shorter names ("la", "dc", "et") are mostly other words in a sentence ("estoy en la calle").
_PLACE_MIN = 3


def place_named(text: str) -> str | None:
    """The zone of the place a sentence says someone is in ("i'm in boston", "vivo en buenos
    aires"): the words after its last "in" or "en", as many as exactly name one zone's city, the
    zone or another of its names (no guessing at typos); None when they name none, or a country
    of several zones."""
    key = _key(text)
    starts = [m.end() for m in _IN.finditer(key)]
    if not starts:
        return None
    words = key[starts[-1] :].split()[:_PLACE_WORDS]
    for count in range(len(words), 0, -1):
        name = " ".join(words[:count])
        if len(name) < _PLACE_MIN:
            continue
        for zones in (
            _ALIASES.get(name, ()),
            (_full_names().get(name, ""),),
            (_cities().get(name, ""),),
        ):
            found = [z for z in zones if z]
            if found:
                return found[0] if len(found) == 1 else None
    return None


def is_zone(name: str) -> bool:
    """`name` is an IANA zone this module would offer."""
    return name in _zones()


def zone_code(zone: str) -> str | None:
    """The zone as a button argument, or None when it cannot be one (names with "+")."""
    code = zone.lower().replace("/", ".")
    return code if re.fullmatch(r"[a-z0-9_.-]{1,40}", code) else None


@cache
def _by_code() -> Mapping[str, str]:
    return {code: zone for zone in _zones() if (code := zone_code(zone)) is not None}


def zone_from_code(code: str | None) -> str | None:
    """The zone a button argument names, or None when it names none."""
    return _by_code().get(code) if code else None


def zone_label(zone: str) -> str:
    """A short name for a button: the city part, with spaces ("New York", "UTC")."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")
