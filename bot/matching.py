"""Match a newcomer's free-text question to a curated FAQ entry, or say honestly we are unsure.

Pure and I/O-free. `FaqMatcher.build()` precomputes everything; `match()` then costs a few dozen
dictionary look-ups plus one C-level rapidfuzz pass over the phrasings.

How a text becomes terms (`FaqMatcher.terms`; the corpus goes through the same steps, less the
correction):
  fold accents and case, expand contractions ("what's", "dont") and chat slang ("u", "ppl",
  "1st", "mtg"), fuzzy-correct tokens that are unknown to the corpus and the tables below
  ("sponser" -> "sponsor"), map irregular forms to a lemma ("drank" -> "drink"), stem lightly,
  replace multi-word phrases ("drink again", "higher power") by a concept, map single words to
  a concept ("pills" -> medication, "zoom" -> online), drop stop words.

How an entry is scored against a question (all in 0..1, blended with the `WEIGHT_*` constants):
  coverage  how much of the question's information (IDF mass, unknown words included) the
            entry's phrasings and keywords explain; off-topic words pull it down;
  cosine    the best IDF-weighted cosine between the question and one phrasing, which rewards
            a phrasing that says the same thing rather than an entry that merely mentions it;
  fuzzy     the best rapidfuzz token_sort_ratio against one phrasing (question or also_asked),
            rescaled so unrelated text scores 0; it survives typos the token correction could
            not fix.
Words that are neither a concept nor one of the entry's own keywords count PLAIN_WORD_FACTOR of
an anchor word, and the blend is scaled down when the evidence (matched IDF mass) is below
EVIDENCE_FULL, so vague or off-topic text cannot score high on one stray word.

Deciding (`match`): nothing when the best score is below SUGGEST_SCORE; a direct answer when it
is at least CONFIDENT_SCORE, leads the runner-up by CONFIDENT_MARGIN, has full evidence and rests
on at least one word as typed (or a close correction, FIRM_SIMILARITY); otherwise up to three
suggestions. The only state kept after build() is a bounded memo of typo corrections.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.content import FaqEntry

# --- Decision thresholds (on the blended score, 0..1) --------------------------------------------
# Answer directly when the best entry scores at least this and leads the runner-up by the margin.
CONFIDENT_SCORE = 0.5
CONFIDENT_MARGIN = 0.1
# Below this nothing fits ("what's the weather"): say so instead of offering unrelated entries.
SUGGEST_SCORE = 0.25
# When unsure, offer at most this many entries, each scoring at least SUGGEST_SCORE and at least
# this share of the best score.
MAX_SUGGESTIONS = 3
SUGGEST_RELATIVE = 0.6

# --- Score blend ----------------------------------------------------------------------------------
WEIGHT_COVERAGE = 0.4
WEIGHT_COSINE = 0.3
WEIGHT_CORE = 0.15
WEIGHT_FUZZY = 0.15
# An entry's core: the terms in at least this share of its phrasings (question and also_asked),
# what it is always about ("alanon" for the Al-Anon entry). A question that names none of the
# core is unlikely to be about that entry, however many side words it shares with it.
CORE_SHARE = 0.4
# A matched word that is neither a concept of the tables nor one of the entry's curated keywords
# ("tomorrow" in "no meetings till tomorrow") is weaker evidence than one that is.
PLAIN_WORD_FACTOR = 0.5
# Evidence (IDF mass, see above) needed for full certainty; below it the score shrinks in
# proportion and no direct answer is given, so "meeting" or "alcohol" alone (words many entries
# share) get suggestions or nothing, never an answer.
EVIDENCE_FULL = 2.0
# Scores shrink to this share at zero evidence, so a question made only of the FAQ's own words
# ("meeting") still gets suggestions rather than nothing.
CERTAINTY_FLOOR = 0.35
# token_sort_ratio at or below this is noise between unrelated texts; it is rescaled to 0..1 above.
FUZZY_FLOOR = 50.0

# --- Query handling -------------------------------------------------------------------------------
# Telegram allows 4096 characters; a question is far shorter, so only the start is read.
MAX_QUERY_CHARS = 600
MAX_QUERY_TOKENS = 60
# Weight (like an IDF) of a question word the corpus has never seen: it dilutes coverage, so a
# question about pizza with "meeting" in it does not look like a confident match.
UNKNOWN_WEIGHT = 3.0
# Unknown tokens of at least this length are corrected to the nearest vocabulary word within
# `_max_edits` edits (optimal string alignment: a swap of two letters is one edit).
CORRECT_MIN_LEN = 4
SHORT_WORD = 5
# A corrected word counts similarity ** CORRECTION_POWER: a guess is weaker than a word as typed.
CORRECTION_POWER = 2.0
# A direct answer needs at least one matched term at this confidence or more: a word as typed or
# a close correction ("sponser", 1 - 1/7 = 0.86), not only short-word guesses ("trains" ->
# "trans", 0.83), which are offered as suggestions instead.
FIRM_SIMILARITY = 0.85
_CACHE_LIMIT = 20_000


@dataclass(frozen=True)
class Match:
    """One FAQ entry and how well it matches, 0..1."""

    entry_id: str
    score: float


@dataclass(frozen=True)
class MatchResult:
    """Either a confident answer, or up to three suggestions, or nothing (both empty)."""

    confident: Match | None
    suggestions: tuple[Match, ...]


# --- Normalisation tables -------------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u02bc": "'"})

_CONTRACTIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"\bwon't\b", "will not"),
        (r"\bcan't\b", "can not"),
        (r"\bain't\b", "is not"),
        (r"n't\b", " not"),
        (r"'re\b", " are"),
        (r"'m\b", " am"),
        (r"'ve\b", " have"),
        (r"'ll\b", " will"),
        (r"'d\b", " would"),
        (r"'s\b", ""),
        (r"&", " and "),
        (r"\bw/o\b", " without "),
        (r"\bw/", " with "),
    )
)
_TOKEN = re.compile(r"[a-z0-9]+")

# Chat spelling -> plain words (a value may be several words).
_SLANG: dict[str, str] = {
    "u": "you",
    "ya": "you",
    "yu": "you",
    "r": "are",
    "ur": "your",
    "yr": "your",
    "y": "why",
    "n": "and",
    "b4": "before",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "bcuz": "because",
    "becuz": "because",
    "tho": "though",
    "thru": "through",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "idk": "i do not know",
    "dunno": "do not know",
    "rn": "right now",
    "abt": "about",
    "w": "with",
    "wo": "without",
    "wat": "what",
    "wats": "what is",
    "wuts": "what is",
    "til": "until",
    "till": "until",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tmrow": "tomorrow",
    "subs": "sub",
    "wut": "what",
    "wht": "what",
    "hav": "have",
    "hafta": "have to",
    "gotta": "have to",
    "wanna": "want to",
    "gonna": "going to",
    "kinda": "",
    "sorta": "",
    "im": "i am",
    "ive": "i have",
    "dont": "do not",
    "didnt": "did not",
    "doesnt": "does not",
    "cant": "can not",
    "cannot": "can not",
    "wont": "will not",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "werent": "were not",
    "shouldnt": "should not",
    "couldnt": "could not",
    "wouldnt": "would not",
    "havent": "have not",
    "hasnt": "has not",
    "whats": "what is",
    "thats": "that is",
    "theres": "there is",
    "youre": "you are",
    "theyre": "they are",
    "hes": "he is",
    "shes": "she is",
    "1st": "first",
    "2nd": "second",
    "3rd": "third",
    "mtg": "meeting",
    "mtgs": "meetings",
    "mtng": "meeting",
    "mtngs": "meetings",
    "meetin": "meeting",
    "ppl": "people",
    "ppls": "people",
    "pple": "people",
    "every1": "everyone",
    "evry1": "everyone",
    "some1": "someone",
    "sum1": "someone",
    "any1": "anyone",
    "no1": "no one",
    "nite": "night",
    "tonite": "tonight",
    "2nite": "tonight",
    "2day": "today",
    "gf": "girlfriend",
    "bf": "boyfriend",
    "bff": "friend",
    "mom": "mother",
    "mum": "mother",
    "dr": "doctor",
    "doc": "doctor",
    "msg": "message",
    "msgs": "messages",
    "txt": "text",
    "convo": "conversation",
    "info": "information",
    "smth": "something",
    "sth": "something",
    "sumthing": "something",
    "ok": "okay",
    "k": "okay",
    "alot": "a lot",
    "diff": "difference",
    "vs": "versus",
    "12step": "twelve step",
    "hp": "higher power",
    "dx": "diagnosis",
    "hve": "have",
    "teh": "the",
    "adn": "and",
    "aint": "is not",
}

# Irregular and awkward forms -> the base form the stemmer cannot reach.
_IRREGULAR: dict[str, str] = {
    "drank": "drink",
    "used": "use",
    "using": "use",
    "went": "go",
    "gone": "go",
    "goes": "go",
    "going": "go",
    "said": "say",
    "spoke": "speak",
    "spoken": "speak",
    "told": "tell",
    "felt": "feel",
    "fell": "fall",
    "fallen": "fall",
    "came": "come",
    "saw": "see",
    "seen": "see",
    "took": "take",
    "taken": "take",
    "brought": "bring",
    "met": "meet",
    "kept": "keep",
    "paid": "pay",
    "thought": "think",
    "knew": "know",
    "known": "know",
    "ran": "run",
    "wrote": "write",
    "written": "write",
    "bought": "buy",
    "sat": "sit",
    "began": "begin",
    "begun": "begin",
    "children": "child",
    "anonymity": "anonymous",
    "confidentiality": "confidential",
    "privacy": "private",
    "spirituality": "spiritual",
    "religion": "religious",
    "anxiety": "anxious",
    "sobriety": "sober",
    "alcoholism": "alcoholic",
    "addiction": "addict",
    "medicine": "medication",
    "meds": "medication",
    "med": "medication",
}

# Concept -> the words and phrases (base forms) that mean it here. A phrase is several words and
# is replaced before stop words are dropped, so it may contain them ("fall off the wagon").
# Merge only words a newcomer uses interchangeably: a concept that is too wide ("late" and
# "dress code" both meaning etiquette) blurs entries the FAQ keeps apart.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "medication": (
        "medication",
        "pill",
        "prescription",
        "prescribe",
        "antidepressant",
        "ssri",
        "antipsychotic",
        "lithium",
        "psych medication",
        # common psychiatric medicines by name
        "lexapro",
        "zoloft",
        "prozac",
        "celexa",
        "paxil",
        "effexor",
        "cymbalta",
        "wellbutrin",
        "seroquel",
        "abilify",
        "risperdal",
        "lamictal",
        "depakote",
        "sertraline",
        "fluoxetine",
        "escitalopram",
        "citalopram",
        "bupropion",
        "quetiapine",
        "aripiprazole",
        "lamotrigine",
        "olanzapine",
        "zyprexa",
        "on something",
    ),
    "mat": (
        "mat",
        "moud",
        "suboxone",
        "methadone",
        "buprenorphine",
        "subutex",
        "sublocade",
        "naltrexone",
        "vivitrol",
        "sub",
        "medication assisted",
        "medication assisted treatment",
        "replacement therapy",
    ),
    "cost": (
        "cost",
        "free",
        "pay",
        "money",
        "donation",
        "donate",
        "basket",
        "fee",
        "price",
        "charge",
        "expensive",
        "cheap",
        "afford",
        "broke",
        "dues",
        "cash",
        "seventh tradition",
        "7th tradition",
    ),
    "talk": ("talk", "speak", "share", "say", "open up"),
    # Being expected to speak, as opposed to what to say: "do I have to talk", "make me share".
    "mustspeak": (
        "have to talk",
        "have to speak",
        "have to share",
        "have to say anything",
        "have to say something",
        "need to talk",
        "need to speak",
        "need to share",
        "need to say anything",
        "make me talk",
        "make me speak",
        "make me share",
        "make me say",
        "force to talk",
        "force to share",
        "force to speak",
        "forced to talk",
        "forced to share",
        "forced to speak",
        "expect to share",
        "expect to talk",
        "required to share",
        "required to talk",
        "call on me",
        "put on the spot",
        "put me on the spot",
    ),
    "lateleave": (
        "late",
        "leave early",
        "leave in the middle",
        "leave before",
        "leave during",
        "step out",
        "walk out",
        "duck out",
        "sneak out",
        "halfway",
        "arrive late",
        "show up late",
        "walk in late",
        "run late",
        "after it start",
        "after it has start",
    ),
    "confidential": (
        "confidential",
        "anonymous",
        "private",
        "secret",
        "gossip",
        "tell anyone",
        "tell anybody",
        "tell others",
        "tell other",
        "tell people",
        "tell everyone",
        "find out",
        "stay here",
        "repeat",
    ),
    "relapse": (
        "relapse",
        "lapse",
        "slip",
        "slip up",
        "use again",
        "drink again",
        "start drink again",
        "start use again",
        "fall off",
        "fall off the wagon",
        "fall off wagon",
        "go back out",
        "mess up",
        "screw up",
        "start over",
        "lose my sobriety",
    ),
    "intoxicated": (
        "drunk",
        "high",
        "intoxicate",
        "wasted",
        "stoned",
        "hungover",
        "buzzed",
        "tipsy",
        "under the influence",
        "been drink",
        "been use",
        "have been drink",
        "have been use",
        "had a drink",
        "drink today",
        "use today",
    ),
    "online": (
        "online",
        "zoom",
        "virtual",
        "video",
        "internet",
        "remote",
        "remotely",
        "skype",
        "webcam",
        "camera",
        "from home",
        "google meet",
        "video call",
        "dial in",
    ),
    "sponsor": ("sponsor", "sponsee", "sponsorship", "mentor"),
    "spiritual": (
        "spiritual",
        "god",
        "higher power",
        "religious",
        "atheist",
        "agnostic",
        "pray",
        "prayer",
        "church",
        "christian",
        "faith",
        "believe",
        "belief",
        "jesus",
        "cult",
        "secular",
        "lord prayer",
    ),
    "nervous": (
        "nervous",
        "scare",
        "anxious",
        "afraid",
        "fear",
        "terrify",
        "worry",
        "nerve",
        "panic",
        "freak out",
        "shy",
        "intimidate",
        "frighten",
        "dread",
        "courage",
    ),
    "expect": (
        "expect",
        "happen",
        "go on",
        "be like",
        "is it like",
        "are they like",
        "is a meeting like",
    ),
    "meeting": ("meeting", "meet", "group", "session", "gathering"),
    "first": (
        "first",
        "newcomer",
        "newbie",
        "beginner",
        "new",
        "first timer",
        "never been",
        "never go",
    ),
    "companion": (
        "girlfriend",
        "boyfriend",
        "wife",
        "husband",
        "partner",
        "friend",
        "mother",
        "father",
        "dad",
        "parent",
        "family",
        "spouse",
        "sister",
        "brother",
        "son",
        "daughter",
        "relative",
        "loved one",
        "support person",
    ),
    "acquaintance": (
        "boss",
        "coworker",
        "co worker",
        "colleague",
        "neighbor",
        "neighbour",
        "teacher",
        "employer",
        "someone i know",
        "somebody i know",
        "people i know",
        "anyone i know",
        "anybody i know",
        "person i know",
        "run into",
        "bump into",
        "recognize",
        "recognise",
    ),
    "mentalhealth": (
        "mental",
        "mental health",
        "mental illness",
        "mentally ill",
        "psychiatric",
        "bipolar",
        "depression",
        "depress",
        "schizophrenia",
        "schizophrenic",
        "psychosis",
        "ptsd",
        "adhd",
        "bpd",
        "ocd",
        "disorder",
        "diagnosis",
        "diagnose",
        "dual",
        "dual diagnosis",
        "co occur",
        "cooccur",
        "comorbid",
        "anxious disorder",
    ),
    "dra": ("dra", "dual recovery", "dual recovery anonymous"),
    "dtr": ("dtr", "double trouble", "double trouble in recovery"),
    "alanon": ("alanon", "al anon", "naranon", "nar anon", "alateen", "narateen"),
    "substance": (
        "substance",
        "alcohol",
        "alcoholic",
        "addict",
        "drug",
        "drink",
        "booze",
        "drinking problem",
        "weed",
        "pot",
        "marijuana",
        "cannabis",
        "cocaine",
        "coke",
        "crack",
        "meth",
        "heroin",
        "fentanyl",
        "opioid",
        "opiate",
        "benzo",
        "xanax",
        "ketamine",
        "gamble",
    ),
    "sober": ("sober", "clean", "abstinence", "abstinent"),
    "harmreduction": (
        "harm reduction",
        "cut down",
        "cut back",
        "moderation",
        "moderate",
        "drink less",
        "use less",
        "not ready",
        "control my drink",
    ),
    "notsure": ("not sure", "unsure", "do not know if", "how do i know if", "bad enough"),
    "find": (
        "find",
        "locate",
        "search",
        "nearby",
        "near",
        "local",
        "closest",
        "near me",
        "around me",
        "around here",
        "close by",
        "in my area",
        "in my town",
        "in my city",
        "directory",
        "finder",
        "look for",
    ),
    "boundary": (
        "boundary",
        "limit",
        "pushy",
        "hug",
        "touch",
        "say no",
        "phone number",
        "my number",
        "personal space",
    ),
    "unsafe": (
        "unsafe",
        "harass",
        "harassment",
        "creepy",
        "creep",
        "predator",
        "predatory",
        "stalk",
        "stalker",
        "aggressive",
        "threaten",
        "threat",
        "flirt",
        "hit on",
        "13th step",
        "thirteenth step",
        "leave me alone",
    ),
    "trigger": ("trigger", "war story", "use story", "drunkalogue"),
    "latenight": ("late night", "middle of the night", "3am", "2am", "4am"),
    "craving": (
        "craving",
        "crave",
        "urge",
        "tempt",
        "temptation",
        "want to use",
        "want to drink",
        "want a drink",
        "need a drink",
        "want to get high",
    ),
    "etiquette": (
        "etiquette",
        "rule",
        "rude",
        "polite",
        "manner",
        "appropriate",
        "disrespectful",
        "behave",
        "behaviour",
        "behavior",
        "custom",
        "what not to do",
        "should not do",
        "should not i do",
        "dos and donts",
    ),
    "wear": ("wear", "clothes", "clothing", "outfit", "dress", "dress code", "uniform"),
    "often": (
        "often",
        "frequency",
        "how often",
        "weekly",
        "daily",
        "every day",
        "once a week",
        "times a week",
        "90 in 90",
    ),
    "court": (
        "court",
        "probation",
        "parole",
        "court card",
        "court slip",
        "mandate",
        "proof of attendance",
        "attendance sheet",
        "dui",
        "dwi",
    ),
    "chip": ("chip", "coin", "medallion", "keytag", "key tag"),
    "youth": ("youth", "teen", "teenager", "kid", "minor", "high school", "under 18", "too young"),
    "access": (
        "accessible",
        "accessibility",
        "wheelchair",
        "deaf",
        "blind",
        "disability",
        "disabled",
        "hard of hearing",
        "sign language",
        "asl",
    ),
    "store": (
        "save",
        "store",
        "log",
        "record",
        "track",
        "data",
        "delete",
        "history",
        "collect",
        "forget",
    ),
    "bot": ("bot", "chatbot", "this chat", "this app"),
    "see": ("see", "read", "view", "look at"),
    "message": (
        "message",
        "text",
        "what i type",
        "what i write",
        "i type",
        "i write",
        "conversation",
    ),
    "replace": ("replace", "replacement", "substitute", "instead of", "rather than"),
    "professional": (
        "therapist",
        "therapy",
        "counselor",
        "counsellor",
        "counsel",
        "doctor",
        "psychiatrist",
        "psychologist",
        "professional",
        "clinician",
        "nurse",
        "gp",
        "treatment",
        "rehab",
        "clinic",
    ),
    "kind": (
        "type",
        "kind",
        "variety",
        "different",
        "difference",
        "versus",
        "compare",
        "option",
        "alternative",
        "choose",
        "which one",
        "fellowship",
        "kind of group",
        "type of group",
        "sort of group",
    ),
    "aa": ("aa", "alcoholics anonymous", "alcoholic anonymous"),
    "na": ("na", "narcotics anonymous", "narcotic anonymous"),
    "ca": ("cocaine anonymous",),
    "smart": ("smart", "smart recovery"),
    "listen": (
        "listen",
        "observe",
        "quiet",
        "silent",
        "pass",
        "sit there",
        "just sit",
        "sit and listen",
        "sit in the back",
    ),
    "introduce": ("introduce", "introduction", "intro", "identify", "my name", "call myself"),
    "bring": ("bring", "along", "come with", "tag along"),
    "alone": ("alone", "by myself", "on my own"),
    "twelvestep": ("twelve step", "12 step", "step work", "the step"),
}

# A concept that also says another: "have to share" is about speaking too.
_IMPLIES: dict[str, tuple[str, ...]] = {"mustspeak": ("talk",)}

# Words that carry no topic. Question words that do ("where", "who", "when", "why") stay.
_STOPWORDS: frozenset[str] = frozenset(
    """
    a an the i me my mine myself we us our ours you your yours yourself he she him her his they
    them their it its itself this that these those is am are was were be been being do does did
    doing done have has had having will would shall should can could may might must to of in on
    at by for from with about as into onto than then so if or and but nor not no yes just also
    too very really actually basically literally even still ever lol lmao omg haha ok okay um uh
    hmm hi hey hello please thanks thank etc what which how there here any some all anyway
    something anything thing stuff get got like lot much many more most other right now else out
    up
    """.split()  # noqa: SIM905 - a word list reads better than 150 quoted strings
)


def _fold(text: str) -> str:
    """Lower-case, drop accents, unify apostrophes."""
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.casefold()


def _stem(word: str) -> str:
    """A light, consistent suffix stripper (applied to corpus and questions alike)."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ied") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ly") and len(word) > 5:
        word = word[:-2]
    elif word.endswith("ing") and len(word) > 5 and _has_vowel(word[:-3]):
        word = _undouble(word[:-3])
    elif word.endswith("ed") and len(word) > 4 and _has_vowel(word[:-2]):
        word = _undouble(word[:-2])
    elif word.endswith("s") and not word.endswith(("ss", "us", "is", "os")):
        word = word[:-1]
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def _has_vowel(stem: str) -> bool:
    return len(stem) >= 3 and any(c in "aeiouy" for c in stem)


def _undouble(stem: str) -> str:
    if len(stem) >= 3 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
        return stem[:-1]
    return stem


def _max_edits(length: int) -> int:
    """Typos tolerated in a word of `length` letters."""
    return 1 if length <= 6 else 2 if length <= 12 else 3


# Words repeat (building the matcher asks for about 10,000 base forms of 1,500 words), and so do
# the words of questions; the cache is bounded because questions can hold any word.
@lru_cache(maxsize=8192)
def _base(word: str) -> str:
    """Surface word -> the stemmed base form used everywhere."""
    return _stem(_IRREGULAR.get(word, word))


def _surface_tokens(text: str) -> list[str]:
    """Folded words with contractions and chat slang expanded; not stemmed."""
    text = _fold(text[:MAX_QUERY_CHARS])
    for pattern, repl in _CONTRACTIONS:
        text = pattern.sub(repl, text)
    words: list[str] = []
    for token in _TOKEN.findall(text):
        expanded = _SLANG.get(token)
        words.extend(expanded.split() if expanded else (token,))
        if len(words) >= MAX_QUERY_TOKENS:
            break
    return words[:MAX_QUERY_TOKENS]


def _build_concepts() -> tuple[dict[str, str], dict[tuple[str, ...], str], int]:
    words: dict[str, str] = {}
    phrases: dict[tuple[str, ...], str] = {}
    for concept, members in _SYNONYMS.items():
        for member in members:
            parts = tuple(_base(w) for w in member.split())
            if len(parts) == 1:
                words[parts[0]] = concept
            else:
                phrases[parts] = concept
    longest = max((len(p) for p in phrases), default=1)
    return words, phrases, longest


_CONCEPT_WORDS, _CONCEPT_PHRASES, _LONGEST_PHRASE = _build_concepts()
_STOP_BASES: frozenset[str] = frozenset(_base(w) for w in _STOPWORDS)
_CONCEPT_TERMS: frozenset[str] = frozenset(_SYNONYMS)
# Every base form the tables know; a question word outside these and the corpus gets corrected.
_TABLE_BASES: frozenset[str] = frozenset(
    {*_CONCEPT_WORDS, *(p for parts in _CONCEPT_PHRASES for p in parts), *_STOP_BASES}
)
_TABLE_SURFACES: frozenset[str] = frozenset(
    w
    for members in _SYNONYMS.values()
    for member in members
    for w in member.split()
    if len(w) >= CORRECT_MIN_LEN and w.isalpha()
) | frozenset(w for w in _IRREGULAR if len(w) >= CORRECT_MIN_LEN)


def _concepts(bases: list[str], confidence: list[float]) -> dict[str, float]:
    """Replace phrases then words by concepts, drop stop words: term -> confidence (0..1)."""
    terms: dict[str, float] = {}
    i = 0
    n = len(bases)
    while i < n:
        for size in range(min(_LONGEST_PHRASE, n - i), 1, -1):
            concept = _CONCEPT_PHRASES.get(tuple(bases[i : i + size]))
            if concept is not None:
                conf = min(confidence[i : i + size])
                for term in (concept, *_IMPLIES.get(concept, ())):
                    terms[term] = max(terms.get(term, 0.0), conf)
                i += size
                break
        else:
            base = bases[i]
            if base not in _STOP_BASES and not base.isdigit():
                term = _CONCEPT_WORDS.get(base, base)
                terms[term] = max(terms.get(term, 0.0), confidence[i])
            i += 1
    return terms


def analyse(text: str) -> dict[str, float]:
    """The terms of `text` without fuzzy correction (how the corpus itself is read)."""
    words = _surface_tokens(text)
    return _concepts([_base(w) for w in words], [1.0] * len(words))


def fuzzy_surface(words: Iterable[str]) -> str:
    """The string rapidfuzz compares: surface words without stop words, sorted.

    Sorting here, once per phrasing at build time, lets match() use plain `fuzz.ratio` and get
    `token_sort_ratio` without re-sorting every phrasing on every question.
    """
    return " ".join(sorted(w for w in words if _base(w) not in _STOP_BASES))


@dataclass(frozen=True)
class _Phrasing:
    entry: int
    norm: float


class FaqMatcher:
    """Finds the FAQ entry a free-text question is about. Build once, match many times."""

    def __init__(
        self,
        ids: tuple[str, ...],
        idf: Mapping[str, float],
        anchors: tuple[frozenset[str], ...],
        keyword_sets: Mapping[str, tuple[tuple[int, frozenset[str]], ...]],
        entry_postings: Mapping[str, tuple[int, ...]],
        phrase_postings: Mapping[str, tuple[int, ...]],
        core_postings: Mapping[str, tuple[tuple[int, float], ...]],
        phrasings: tuple[_Phrasing, ...],
        fuzzy_choices: tuple[str, ...],
        fuzzy_owner: tuple[int, ...],
        vocabulary: tuple[str, ...],
        frequency: Mapping[str, int],
        known_bases: frozenset[str],
    ) -> None:
        self._ids = ids
        self._idf = idf
        self._anchors = anchors
        self._keyword_sets = keyword_sets
        self._entry_postings = entry_postings
        self._phrase_postings = phrase_postings
        self._core_postings = core_postings
        self._phrasings = phrasings
        self._fuzzy_choices = fuzzy_choices
        self._fuzzy_owner = fuzzy_owner
        self._vocabulary = vocabulary
        self._frequency = frequency
        self._known = known_bases
        self._corrections: dict[str, tuple[str, float] | None] = {}

    @classmethod
    def build(cls, entries: Iterable[FaqEntry]) -> FaqMatcher:
        """Precompute IDF, postings, anchors, phrasing norms and the correction vocabulary."""
        entry_list = list(entries)
        ids = tuple(e.id for e in entry_list)
        if len(set(ids)) != len(ids):
            raise ValueError("FAQ entry ids must be unique")
        frequency: dict[str, int] = {}
        known: set[str] = set()
        per_phrasing: list[tuple[int, dict[str, float]]] = []
        fuzzy_choices: list[str] = []
        fuzzy_owner: list[int] = []
        seen_choices: set[tuple[str, int]] = set()
        entry_terms: list[frozenset[str]] = []
        anchors: list[frozenset[str]] = []
        keyword_sets: dict[str, list[tuple[int, frozenset[str]]]] = {}
        for index, entry in enumerate(entry_list):
            phrasings_of_entry = (entry.question, *entry.also_asked)
            terms_of_entry: set[str] = set()
            anchors_of_entry: set[str] = set()
            for position, text in enumerate((*phrasings_of_entry, *entry.keywords)):
                words = _surface_tokens(text)
                for w in words:
                    if len(w) >= CORRECT_MIN_LEN and w.isalpha():
                        frequency[w] = frequency.get(w, 0) + 1
                known.update(_base(w) for w in words)
                terms = _concepts([_base(w) for w in words], [1.0] * len(words))
                terms_of_entry.update(terms)
                if position < len(phrasings_of_entry):
                    fuzzy_text = fuzzy_surface(words)
                    if fuzzy_text and (fuzzy_text, index) not in seen_choices:
                        seen_choices.add((fuzzy_text, index))
                        fuzzy_choices.append(fuzzy_text)
                        fuzzy_owner.append(index)
                    if terms:
                        per_phrasing.append((index, terms))
                elif len(terms) == 1:
                    anchors_of_entry.update(terms)
                elif terms:
                    # A keyword of several words anchors only when all of them are asked about.
                    key_set = frozenset(terms)
                    for term in key_set:
                        keyword_sets.setdefault(term, []).append((index, key_set))
            entry_terms.append(frozenset(terms_of_entry))
            anchors.append(frozenset(anchors_of_entry))

        n = len(entry_list)
        df: dict[str, int] = {}
        entry_postings: dict[str, list[int]] = {}
        for index, terms_set in enumerate(entry_terms):
            for term in terms_set:
                df[term] = df.get(term, 0) + 1
                entry_postings.setdefault(term, []).append(index)
        idf = {term: math.log((n + 1) / (count + 0.5)) for term, count in df.items()}

        phrase_postings: dict[str, list[int]] = {}
        phrasings: list[_Phrasing] = []
        counts: list[dict[str, int]] = [{} for _ in range(n)]
        for p_index, (entry_index, terms) in enumerate(per_phrasing):
            norm = math.sqrt(sum(idf[t] ** 2 for t in terms)) or 1.0
            phrasings.append(_Phrasing(entry_index, norm))
            for term in terms:
                phrase_postings.setdefault(term, []).append(p_index)
                counts[entry_index][term] = counts[entry_index].get(term, 0) + 1

        core_postings: dict[str, list[tuple[int, float]]] = {}
        for index, entry in enumerate(entry_list):
            if not counts[index]:
                continue
            need = max(2.0, CORE_SHARE * (1 + len(entry.also_asked)))
            core = [t for t, c in counts[index].items() if c >= need]
            if not core:  # phrasings that share little: fall back to the commonest terms
                most = max(counts[index].values())
                core = [t for t, c in counts[index].items() if c == most]
            core_total = sum(idf[t] for t in core) or 1.0
            for term in core:
                core_postings.setdefault(term, []).append((index, idf[term] / core_total))

        return cls(
            ids=ids,
            idf=idf,
            anchors=tuple(anchors),
            keyword_sets={t: tuple(v) for t, v in keyword_sets.items()},
            entry_postings={t: tuple(v) for t, v in entry_postings.items()},
            phrase_postings={t: tuple(v) for t, v in phrase_postings.items()},
            core_postings={t: tuple(v) for t, v in core_postings.items()},
            phrasings=tuple(phrasings),
            fuzzy_choices=tuple(fuzzy_choices),
            fuzzy_owner=tuple(fuzzy_owner),
            vocabulary=tuple(sorted(frequency.keys() | _TABLE_SURFACES)),
            frequency=frequency,
            known_bases=frozenset(known) | _TABLE_BASES,
        )

    # --- question analysis ------------------------------------------------------------------------

    def _correct(self, word: str) -> tuple[str, float] | None:
        """The vocabulary word closest to an unknown `word`, with its similarity (0..1)."""
        if word in self._corrections:
            return self._corrections[word]
        found: tuple[str, float] | None = None
        if len(word) >= CORRECT_MIN_LEN and word.isalpha():
            edits = _max_edits(len(word))
            candidates = process.extract(
                word, self._vocabulary, scorer=OSA.distance, score_cutoff=edits, limit=8
            )
            if len(word) <= SHORT_WORD or edits > 1:
                # One edit in a short word, or two in a longer one, is a big change ("game" ->
                # "name", "weather" -> "father"): only trust it when the first letter, which
                # typos rarely hit, is kept.
                candidates = [c for c in candidates if c[0][0] == word[0]]
            if candidates:
                # Fewest edits first; then keep the first letter, then the word the corpus uses
                # most.
                target, distance, _ = min(
                    candidates,
                    key=lambda c: (c[1], c[0][0] != word[0], -self._frequency.get(c[0], 0), c[0]),
                )
                similarity = 1.0 - distance / max(len(word), len(target))
                found = (target, similarity**CORRECTION_POWER)
        if len(self._corrections) >= _CACHE_LIMIT:
            self._corrections.clear()
        self._corrections[word] = found
        return found

    def terms(self, text: str) -> tuple[dict[str, float], str]:
        """The question's terms (term -> confidence 0..1) and the string rapidfuzz compares."""
        words = _surface_tokens(text)
        bases: list[str] = []
        confidence: list[float] = []
        fixed: list[str] = []
        for word in words:
            base = _base(word)
            conf = 1.0
            if base not in self._known and not base.isdigit():
                corrected = self._correct(word)
                if corrected is not None:
                    word, conf = corrected
                    base = _base(word)
            bases.append(base)
            confidence.append(conf)
            fixed.append(word)
        return _concepts(bases, confidence), fuzzy_surface(fixed)

    # --- scoring ----------------------------------------------------------------------------------

    def _scores(self, text: str) -> tuple[list[float], list[bool]]:
        """Per entry: the blended score, and whether it may be answered directly: some firm
        (typed, not guessed) term supports it and the evidence is full."""
        n = len(self._ids)
        scores = [0.0] * n
        firm = [False] * n
        if n == 0:
            return scores, firm
        terms, surface = self.terms(text)
        if not terms:
            return scores, firm
        idf = self._idf
        weights = {t: idf.get(t, UNKNOWN_WEIGHT) for t in terms}
        total = sum(weights.values())
        if total <= 0.0:
            return scores, firm
        firm_level = FIRM_SIMILARITY**CORRECTION_POWER
        q_norm = math.sqrt(sum(w * w for w in weights.values()))

        # Multi-word keywords the question states in full anchor their entry.
        fired: dict[int, set[str]] = {}
        for term in terms:
            for entry, key_set in self._keyword_sets.get(term, ()):
                if key_set <= terms.keys():
                    fired.setdefault(entry, set()).update(key_set)

        # Evidence: the IDF mass of the question an entry explains, a plain word (neither a
        # concept nor one of the entry's keywords) counting PLAIN_WORD_FACTOR of an anchor.
        evidence = [0.0] * n
        factors: dict[tuple[str, int], float] = {}
        for term, conf in terms.items():
            postings = self._entry_postings.get(term)
            if postings is None:
                continue
            w = weights[term] * conf
            concept = term in _CONCEPT_TERMS
            is_firm = conf >= firm_level
            for entry in postings:
                anchored = concept or term in self._anchors[entry] or term in fired.get(entry, ())
                factor = 1.0 if anchored else PLAIN_WORD_FACTOR
                factors[term, entry] = factor
                evidence[entry] += w * factor
                firm[entry] = firm[entry] or is_firm

        best_cosine = [0.0] * n
        dots: dict[int, float] = {}
        for term, conf in terms.items():
            w2 = weights[term] ** 2 * conf
            for p_index in self._phrase_postings.get(term, ()):
                factor = factors[term, self._phrasings[p_index].entry]
                dots[p_index] = dots.get(p_index, 0.0) + w2 * factor
        for p_index, dot in dots.items():
            phrasing = self._phrasings[p_index]
            value = dot / (q_norm * phrasing.norm)
            if value > best_cosine[phrasing.entry]:
                best_cosine[phrasing.entry] = value

        core = [0.0] * n
        for term, conf in terms.items():
            for entry, share in self._core_postings.get(term, ()):
                core[entry] += share * conf

        fuzzy = [0.0] * n
        if surface:
            for _choice, ratio, c_index in process.extract(
                surface,
                self._fuzzy_choices,
                scorer=fuzz.ratio,  # on sorted words: token_sort_ratio
                limit=None,
                score_cutoff=FUZZY_FLOOR,
            ):
                value = (ratio - FUZZY_FLOOR) / (100.0 - FUZZY_FLOOR)
                entry = self._fuzzy_owner[c_index]
                if value > fuzzy[entry]:
                    fuzzy[entry] = value

        for i in range(n):
            if evidence[i] <= 0.0:
                continue  # fuzzy resemblance alone is not a reason to offer an entry
            blended = (
                WEIGHT_COVERAGE * evidence[i] / total
                + WEIGHT_COSINE * best_cosine[i]
                + WEIGHT_CORE * core[i]
                + WEIGHT_FUZZY * fuzzy[i]
            )
            # A vague question ("meeting") cannot score high however well it is covered, nor be
            # answered directly.
            certainty = min(1.0, evidence[i] / EVIDENCE_FULL)
            shrink = CERTAINTY_FLOOR + (1.0 - CERTAINTY_FLOOR) * certainty
            scores[i] = min(1.0, max(0.0, blended * shrink))
            firm[i] = firm[i] and certainty >= 1.0
        return scores, firm

    def _ranked(self, text: str, limit: int) -> list[tuple[Match, bool]]:
        if limit <= 0:
            return []
        scores, firm = self._scores(text)
        order = sorted((i for i, s in enumerate(scores) if s > 0.0), key=lambda i: (-scores[i], i))
        return [(Match(self._ids[i], round(scores[i], 4)), firm[i]) for i in order[:limit]]

    def rank(self, text: str, limit: int = 3) -> list[Match]:
        """The `limit` best entries for `text`, best first; entries scoring 0 are left out."""
        return [m for m, _ in self._ranked(text, limit)]

    def match(self, text: str) -> MatchResult:
        """A confident answer, else up to three suggestions, else nothing."""
        with_firm = self._ranked(text, MAX_SUGGESTIONS + 1)
        ranked = [m for m, _ in with_firm]
        if not ranked or ranked[0].score < SUGGEST_SCORE:
            return MatchResult(None, ())
        top, top_is_firm = with_firm[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        if (
            top_is_firm
            and top.score >= CONFIDENT_SCORE
            and top.score - runner_up >= CONFIDENT_MARGIN
        ):
            return MatchResult(top, ())
        floor = max(SUGGEST_SCORE, top.score * SUGGEST_RELATIVE)
        return MatchResult(None, tuple(m for m in ranked[:MAX_SUGGESTIONS] if m.score >= floor))
