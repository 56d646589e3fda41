"""Which IANA time zone a person means by what they type, and zones on buttons (pure).

People type "london", "New York", "são paulo", "EST", "india", "boston" or "lodnon"; `find_zones`
turns that into IANA names, trying, in order, the first step that finds anything:

1. an offset ("UTC+2", "gmt-5");
2. abbreviations, country names and big cities whose zone is named after another city (`_ALIASES`);
3. an exact IANA name, any case ("europe/london", "US/Eastern");
4. the city part of a zone name ("los angeles" -> America/Los_Angeles), accents and case ignored;
5. the start of a city or alias ("buenos" -> America/Argentina/Buenos_Aires);
6. typos: rapidfuzz similarity against the same cities and aliases.

Buttons carry zones as `zone_code(name)`: the name in lower case with "/" written as ".", which fits
the payload alphabet (`[a-z0-9_.-]`, at most 40) and, unlike an index into a sorted list of zones,
stays valid when the tz database gains or renames zones. IANA names are unique regardless of case,
so `zone_from_code` gives the name back. Names with "+" (such as `Etc/GMT+5`) have no code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from zoneinfo import available_timezones

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


def _aliases() -> dict[str, tuple[str, ...]]:
    aliases: dict[str, tuple[str, ...]] = {}
    for zone, names in _ONE_ZONE.items():
        for name in names.split(","):
            aliases[name.strip()] = (zone,)
    for names, zones in _SEVERAL_ZONES.items():
        for name in names.split(","):
            aliases[name.strip()] = tuple(zones.split())
    return aliases


# Normalised text (see `_key`) -> zones, best first.
_ALIASES = _aliases()

_OFFSET = re.compile(r"^(?:utc|gmt)([+-])(\d{1,2})(?::?00)?$")
_FUZZY_CUTOFF = 80.0
# A fuzzy match this close to the best one is just as likely what was meant.
_FUZZY_TIE = 4.0


def _key(text: str) -> str:
    """Lower case, accents dropped, anything but letters and digits as single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.split(r"[^a-z0-9]+", plain)).strip()


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


def _offset_zone(text: str) -> list[str]:
    """ "UTC+2" or "gmt -5" as an Etc zone (the sign would be lost in `_key`)."""
    match = _OFFSET.match(re.sub(r"\s+", "", text.casefold()))
    if match is None:
        return []
    hours = int(match[2])
    if hours == 0:
        return ["UTC"]
    # POSIX-style names: Etc/GMT-2 is two hours *ahead* of UTC.
    zone = f"Etc/GMT{'-' if match[1] == '+' else '+'}{hours}"
    return [zone] if zone in _zones() else []


def _unique(zones: Iterable[str], limit: int) -> list[str]:
    seen: list[str] = []
    for zone in zones:
        if zone in _zones() and zone not in seen:
            seen.append(zone)
    return seen[: max(limit, 0)]


def find_zones(text: str, limit: int = 5) -> list[str]:
    """The IANA zones `text` most likely means, best first; [] when nothing fits."""
    key = _key(text)
    if not key:
        return []
    offset = _offset_zone(text)
    if offset:
        return offset
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
