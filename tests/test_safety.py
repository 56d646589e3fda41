"""The crisis detector against the real content/*/safety.yaml patterns.

HELD_OUT was written before any pattern existed and HELD_OUT_2 right after the first version of the
patterns, before any tuning; both are frozen and must never be tuned on. Their accuracy is reported,
not required to be perfect: a miss there is a real miss, so add a case to the tuned lists below
instead, and fix the content.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.content import CRISIS_KINDS, ContentError, DetectionRules, SafetyFile, load_content
from bot.patterns import compile_pattern
from bot.safety import MAX_CHARS, Assessment, CrisisDetector, Level, _trie, normalise
from bot.yamlfile import load_yaml

CONTENT = Path(__file__).resolve().parent.parent / "content"

# Written before any pattern existed. Frozen: never edit, never tune on it.
# (message, level, kind); "A|B" accepts either.
HELD_OUT = (
    ("i have the rope ready and i'm doing it tonight", "CRISIS", "self_harm"),
    ("honestly i just want to die", "CRISIS", "self_harm"),
    ("my roommate took a bunch of pills and i can't wake him up", "CRISIS", "overdose"),
    ("i think i took too much, my heart is racing and i can't breathe", "CRISIS", "overdose"),
    ("he threatened to kill me if i leave", "CRISIS", "abuse"),
    ("quiero matarme", "CRISIS", "self_harm"),
    ("mi amigo se desmayó y no respira", "CRISIS", "overdose"),
    ("my brother is on the bridge saying he'll jump", "CRISIS", "other_danger"),
    ("i'm gonna off myself", "CRISIS", "self_harm"),
    ("tengo miedo de volver a casa, mi esposo me va a golpear", "CRISIS", "abuse"),
    ("i feel so hopeless, nothing ever gets better", "CONCERN", None),
    ("i can't keep going like this", "CONCERN", None),
    ("estoy harta de todo", "CONCERN", None),
    ("that workout absolutely killed me lol", "NONE", None),
    ("i overdosed twice before i got clean in 2018", "NONE", None),
    ("i'm not going to hurt myself, i just need to vent about my boss", "NONE", None),
    ("can i still go to NA if i'm on methadone?", "NONE", None),
    ("my dad died of an overdose when i was 12", "NONE|CONCERN", None),
    ("me muero de hambre, ya quiero cenar", "NONE", None),
    ("the meeting tonight was killer, so many good shares", "NONE", None),
    ("i'm dying to get my 1 year chip", "NONE", None),
    ("my sponsor said to call her if i ever feel like using", "NONE", None),
)

# Written after the first version of the patterns, before any tuning. Frozen as well.
HELD_OUT_2 = (
    ("i can't stop thinking about ending my life", "CRISIS", "self_harm"),
    ("tonight is my last night on earth", "CRISIS", "self_harm"),
    ("i'm going to hang myself", "CRISIS", "self_harm"),
    ("im so done with life i want to die tonight", "CRISIS", "self_harm"),
    ("wanna kms fr", "CRISIS", "self_harm"),
    ("i just swallowed like 30 of my sleeping pills", "CRISIS", "self_harm"),
    ("pienso quitarme la vida esta noche", "CRISIS", "self_harm"),
    ("ya no quiero estar vivo", "CRISIS", "self_harm"),
    ("my girlfriend is snoring weird and her lips look blue after using", "CRISIS", "overdose"),
    ("someone at the party is ODing what do we do", "CRISIS", "overdose"),
    ("my son took his dad's oxy and he's barely breathing", "CRISIS", "overdose"),
    ("creo que mi hermano tiene una sobredosis", "CRISIS", "overdose"),
    ("mi novio me golpeó anoche y tengo miedo", "CRISIS", "abuse"),
    ("my husband choked me last night", "CRISIS", "abuse"),
    ("my ex is outside with a knife", "CRISIS", "other_danger|abuse"),
    (
        "my best friend posted a goodbye message on insta and isn't answering",
        "CRISIS",
        "other_danger",
    ),
    ("mi amiga dice que se va a suicidar", "CRISIS", "other_danger"),
    ("my dad is threatening to shoot himself", "CRISIS", "other_danger"),
    ("i feel like such a burden to everyone", "CONCERN", None),
    ("honestly whats the point anymore", "CONCERN", None),
    ("i just want everything to stop", "CONCERN", None),
    ("no tiene sentido seguir", "CONCERN", None),
    ("im at my breaking point", "CONCERN", None),
    ("my sponsor killed it at the speaker meeting", "NONE", None),
    ("i used to cut myself but ive been clean of that for 6 years", "NONE", None),
    ("this craving is killing me, any tips?", "NONE", None),
    ("i'm not in danger, i just wanted to ask about meetings", "NONE", None),
    ("how do i find an NA meeting near me", "NONE", None),
    ("can i bring my wife to an open meeting", "NONE", None),
    ("what if i cry during my share", "NONE", None),
    ("i relapsed last weekend and feel ashamed", "NONE", None),
    ("no me quiero morir, solo estoy triste", "NONE", None),
    ("mi padrino me dijo que fuera a más reuniones", "NONE", None),
    ("my friend died of an overdose in 2020 and i miss him", "NONE|CONCERN", None),
    ("i had a dream i was drowning lol", "NONE", None),
    ("im dead tired after work", "NONE", None),
    ("we should kill the lights before the meditation", "NONE", None),
)


def _rules() -> DetectionRules:
    """The detection sections of every language, concatenated like the content loader does."""
    parts = [
        SafetyFile.model_validate(load_yaml(path).data).detection
        for path in sorted(CONTENT.glob("*/safety.yaml"))
    ]
    return DetectionRules(
        crisis={
            kind: tuple(p for r in parts for p in r.crisis.get(kind, ())) for kind in CRISIS_KINDS
        },
        concern=tuple(p for r in parts for p in r.concern),
        safe=tuple(p for r in parts for p in r.safe),
        negation=tuple(p for r in parts for p in r.negation),
        past=tuple(p for r in parts for p in r.past),
        breaks=tuple(p for r in parts for p in r.breaks),
    )


DETECTOR = CrisisDetector.from_rules(_rules())


def _ok(assessment: Assessment, level: str, kind: str | None) -> bool:
    return assessment.level.name in level.split("|") and (
        kind is None or (assessment.kind or "") in kind.split("|")
    )


# Clear danger now: (message, kind).
CRISIS: tuple[tuple[str, str], ...] = (
    # self-harm: intent, plan or act, first person
    ("i want to kill myself", "self_harm"),
    ("going to end it tonight", "self_harm"),
    ("i took all my pills", "self_harm"),
    ("no quiero vivir", "self_harm"),
    ("me quiero morir", "self_harm"),
    ("voy a suicidarme", "self_harm"),
    ("i tried to kill myself last night", "self_harm"),
    ("im going to kil myself", "self_harm"),
    ("i feel suicidle", "self_harm"),
    ("kms", "self_harm"),
    ("honestly kms rn", "self_harm"),
    ("i want to unalive myself", "self_harm"),
    ("i want to end my life", "self_harm"),
    ("i don't want to be here anymore", "self_harm"),
    ("no quiero seguir aqui", "self_harm"),
    ("I'M SUICIDAL", "self_harm"),
    ("i wanna die", "self_harm"),
    ("i wish i was dead", "self_harm"),
    ("ive been thinking about suicide a lot", "self_harm"),
    ("i'm going to take all my pills tonight", "self_harm"),
    ("i've been cutting again", "self_harm"),
    ("i want to hurt myself", "self_harm"),
    ("honestly i'd be better off dead", "self_harm"),
    ("I\u2019m going to end it all", "self_harm"),
    ("i wrote my suicide note", "self_harm"),
    ("i'm not safe with myself tonight", "self_harm"),
    ("i want to diiiie", "self_harm"),
    ("i relapsed and now i want to kill myself", "self_harm"),
    ("i used to be happy but now i want to die", "self_harm"),
    ("i'm not ok, i want to die", "self_harm"),
    ("i don't know, i just want to die", "self_harm"),
    ("i dont care anymore i want to kill myself", "self_harm"),
    ("i keep having suicidal thoughts", "self_harm"),
    ("i dont wanna live anymore", "self_harm"),
    ("i plan to commit suicide", "self_harm"),
    ("im going to jump off the bridge", "self_harm"),
    ("goodbye cruel world", "self_harm"),
    ("i'm sick of it, i'm going to end things", "self_harm"),
    ("i can't stop thinking about killing myself", "self_harm"),
    ("quiero suicidarme", "self_harm"),
    ("me voy a matar", "self_harm"),
    ("tengo ganas de morirme", "self_harm"),
    ("estoy pensando en quitarme la vida", "self_harm"),
    ("me tomé todas mis pastillas", "self_harm"),
    ("ojalá estuviera muerta", "self_harm"),
    ("no quiero despertar mañana", "self_harm"),
    ("ya no quiero vivir", "self_harm"),
    ("me quiero suicidar", "self_harm"),
    # overdose: happening now, to the writer or someone there; or what to do in one
    ("he's not breathing", "overdose"),
    ("she collapsed and won't wake up", "overdose"),
    ("i think i'm overdosing", "overdose"),
    ("he's turning blue", "overdose"),
    ("overdosing rn", "overdose"),
    ("what do i do if someone overdoses?", "overdose"),
    ("my friend is ODing", "overdose"),
    ("i think i took too much", "overdose"),
    ("he collapsed at the party and won't respond", "overdose"),
    ("i can't wake him up", "overdose"),
    ("how do i use narcan", "overdose"),
    ("my roommate is unresponsive", "overdose"),
    ("i think the coke was laced with fent", "overdose"),
    ("she took too many pills and is barely breathing", "overdose"),
    ("found my brother unconscious in the bathroom", "overdose"),
    ("what are the signs of an overdose?", "overdose"),
    ("his lips are blue", "overdose"),
    ("no respira", "overdose"),
    ("mi hermano no despierta", "overdose"),
    ("creo que es una sobredosis", "overdose"),
    ("tomé demasiado y me siento muy mal", "overdose"),
    ("sus labios están morados", "overdose"),
    # someone else in danger now
    ("my friend says he's going to jump", "other_danger"),
    ("my sponsee just texted goodbye and has a gun", "other_danger"),
    ("my brother wants to kill himself", "other_danger"),
    ("my friend is suicidal what do i do", "other_danger"),
    ("she says she'll kill herself", "other_danger"),
    ("someone is in danger", "other_danger"),
    ("should i call 911?", "other_danger"),
    ("my roommate is threatening to hurt himself", "other_danger"),
    ("he tried to hang himself", "other_danger"),
    ("mi amigo se quiere matar", "other_danger"),
    ("mi hermana dice que va a suicidarse", "other_danger"),
    ("tiene una pistola", "other_danger"),
    ("mi amiga está en peligro", "other_danger"),
    # abuse or danger at home
    ("my partner hits me", "abuse"),
    ("i'm scared to go home he will hurt me", "abuse"),
    ("mi pareja me pega", "abuse"),
    ("my husband beats me", "abuse"),
    ("he said he'll kill me if i leave", "abuse"),
    ("my boyfriend keeps hitting me", "abuse"),
    ("i don't feel safe at home", "abuse"),
    ("i'm in an abusive relationship", "abuse"),
    ("my dad hit me again tonight", "abuse"),
    ("my mom's boyfriend is hitting me", "abuse"),
    ("he won't let me leave the house", "abuse"),
    ("mi esposo me golpea", "abuse"),
    ("tengo miedo de mi pareja", "abuse"),
    ("me amenazó con matarme", "abuse"),
    ("vivo con violencia doméstica", "abuse"),
    # more, in the words people use (typos, slang, mixed clauses)
    ("i wanna kil myslef", "self_harm"),
    ("i'm gonna kms tonight", "self_harm"),
    ("i want to unalive myself so bad", "self_harm"),
    ("gonna end my life", "self_harm"),
    ("i just want to end my life", "self_harm"),
    ("dont want to be here anymore", "self_harm"),
    ("i really don't want to be alive anymore", "self_harm"),
    ("im suicidal again", "self_harm"),
    ("feeling really suicidal tonight", "self_harm"),
    ("i am suicidal", "self_harm"),
    ("suicidal", "self_harm"),
    ("i want to commit suicide", "self_harm"),
    ("i'm going to commit suicide tonight", "self_harm"),
    ("i'm thinking of ending it all", "self_harm"),
    ("i want to go to sleep and never wake up", "self_harm"),
    ("i hope i don't wake up tomorrow", "self_harm"),
    ("i have a plan to kill myself", "self_harm"),
    ("i've decided to end my life", "self_harm"),
    ("i'm ready to die", "self_harm"),
    ("i want to die so bad", "self_harm"),
    ("i want to die lol", "self_harm"),
    ("i just wanna die", "self_harm"),
    ("i wanna d1e", "self_harm"),
    ("i want to be dead", "self_harm"),
    ("i need to die", "self_harm"),
    ("I feel like killing myself", "self_harm"),
    ("killing myself tonight", "self_harm"),
    ("i'm going to overdose on purpose", "self_harm"),
    ("im going to OD tonight on purpose", "self_harm"),
    ("i'm going to take every pill in the house", "self_harm"),
    ("i just took a whole bottle of pills", "self_harm"),
    ("i swallowed all my meds", "self_harm"),
    ("i have been self harming again", "self_harm"),
    ("i cut myself again tonight", "self_harm"),
    ("i want to cut", "self_harm"),
    ("urge to cut is so strong", "self_harm"),
    ("i slit my wrists", "self_harm"),
    ("i'm going to shoot myself", "self_harm"),
    ("i have a gun and i'm going to use it", "self_harm"),
    ("nobody would miss me if i killed myself", "self_harm"),
    ("this is my last message", "self_harm"),
    ("there's no reason for me to live", "self_harm"),
    ("i'd be better off dead", "self_harm"),
    ("i don't want to live", "self_harm"),
    ("i can't live anymore", "self_harm"),
    ("i want it to be over for good, i'm going to end it", "self_harm"),
    ("i dont want to exist", "self_harm"),
    ("i want to stop existing", "self_harm"),
    ("no quiero seguir viviendo", "self_harm"),
    ("quiero morirme", "self_harm"),
    ("me quiero matar", "self_harm"),
    ("pienso suicidarme", "self_harm"),
    ("estoy pensando en el suicidio", "self_harm"),
    ("me voy a quitar la vida", "self_harm"),
    ("quiero acabar con todo", "self_harm"),
    ("ya no quiero seguir aqui", "self_harm"),
    ("ya no aguanto, me voy a matar", "self_harm"),
    ("me corté otra vez", "self_harm"),
    ("me quiero suicidar hoy", "self_harm"),
    ("no quiero despertar nunca más", "self_harm"),
    ("tengo ganas de matarme", "self_harm"),
    ("me voy a tomar todas las pastillas", "self_harm"),
    ("kiero morirme", "self_harm"),
    ("me kiero morir", "self_harm"),
    ("me quiero morir ya", "self_harm"),
    ("my friend is overdosing help", "overdose"),
    ("i think my friend is overdosing", "overdose"),
    ("he's OD'ing", "overdose"),
    ("someone's od'ing in the bathroom", "overdose"),
    ("she isn't breathing", "overdose"),
    ("he stopped breathing", "overdose"),
    ("my friend won't wake up", "overdose"),
    ("she's unresponsive", "overdose"),
    ("he passed out and won't wake up", "overdose"),
    ("his lips are turning blue", "overdose"),
    ("he's blue and not moving", "overdose"),
    ("i took too many xanax", "overdose"),
    ("i did too much fent", "overdose"),
    ("i think i od'd", "overdose"),
    ("i think i just overdosed", "overdose"),
    ("i think he overdosed", "overdose"),
    ("need narcan now", "overdose"),
    ("where can i get narcan fast", "overdose"),
    ("how do you give narcan", "overdose"),
    ("he's foaming at the mouth", "overdose"),
    ("she's having a seizure after using", "overdose"),
    ("my friend collapsed", "overdose"),
    ("my boyfriend took a bunch of pills and is passed out", "overdose"),
    ("what do i do someone overdosed", "overdose"),
    ("someone is overdosing what do i do", "overdose"),
    ("overdose help", "overdose"),
    ("my heart is racing after taking too much coke", "overdose"),
    ("se está muriendo, no respira", "overdose"),
    ("mi amigo tiene una sobredosis", "overdose"),
    ("creo que tomé demasiado", "overdose"),
    ("se desmayó después de consumir", "overdose"),
    ("mi novio no reacciona", "overdose"),
    ("está inconsciente", "overdose"),
    ("que hago si alguien tiene una sobredosis", "overdose"),
    ("necesito naloxona", "overdose"),
    ("my friend said she wants to die", "other_danger"),
    ("my friend wants to kill herself", "other_danger"),
    ("my sister is talking about suicide", "other_danger"),
    ("my friend texted me she's going to end it", "other_danger"),
    ("my dad has a gun and says he'll use it on himself", "other_danger"),
    ("someone is threatening to jump off the roof", "other_danger"),
    ("he's threatening to kill himself", "other_danger"),
    ("my sponsee sent me a goodbye text", "other_danger"),
    ("i think my friend is going to do something tonight", "other_danger"),
    ("my friend is going to kill himself", "other_danger"),
    ("my roommate is cutting himself", "other_danger"),
    ("he is suicidal", "other_danger"),
    ("my son says he wants to die", "other_danger"),
    ("mi amigo quiere matarse", "other_danger"),
    ("mi hijo dice que se quiere morir", "other_danger"),
    ("mi hermano tiene un cuchillo", "other_danger"),
    ("mi papá amenaza con suicidarse", "other_danger"),
    ("my husband hit me", "abuse"),
    ("he hits me when he's drunk", "abuse"),
    ("my boyfriend beat me up last night", "abuse"),
    ("my girlfriend threw a plate at me", "abuse"),
    ("he choked me", "abuse"),
    ("my partner threatened to kill me", "abuse"),
    ("i'm scared of my husband", "abuse"),
    ("he says he will kill me", "abuse"),
    ("i'm afraid to go home", "abuse"),
    ("my dad beats me", "abuse"),
    ("i'm being abused", "abuse"),
    ("my partner is abusive", "abuse"),
    ("he raped me", "abuse"),
    ("my ex is stalking me and threatening me", "abuse"),
    ("he locked me in the house", "abuse"),
    ("my wife hits me", "abuse"),
    ("he slapped me again", "abuse"),
    ("mi novio me pega", "abuse"),
    ("mi marido me maltrata", "abuse"),
    ("mi esposo me amenaza", "abuse"),
    ("tengo miedo de ir a casa", "abuse"),
    ("mi pareja me golpeó ayer", "abuse"),
    ("me pega cuando bebe", "abuse"),
    ("sufro violencia de genero", "abuse"),
    ("i'm not suicidal but i took all my pills", "self_harm"),
    ("i used to drink, now i want to die", "self_harm"),
    ("i've been sober 2 years but tonight i want to kill myself", "self_harm"),
    ("i don't want to die but i took too much", "overdose"),
    ("i'm not okay. i'm going to kill myself", "self_harm"),
    ("nobody cares. i want to die", "self_harm"),
    ("i want to die. not kidding", "self_harm"),
    ("not kidding, i want to die", "self_harm"),
    ("i don't think i want to live anymore", "self_harm"),
    ("i dont know if i want to live anymore", "self_harm"),
    ("i'm not sure i want to be alive", "self_harm"),
    ("my husband hit me and now he's not breathing", "overdose"),
    ("he's not breathing!!!", "overdose"),
    ("HELP my friend is not breathing", "overdose"),
    ("my friend took something and isnt waking up", "overdose"),
    ("someone OD'd at the meeting, what do we do?", "overdose"),
    ("i cant wake my mom up, she took her pills", "overdose"),
    ("My boyfriend is threatening to kill me", "abuse"),
    ("i want to kill myself but i won't", "self_harm"),
    ("my ex said he's going to kill me", "abuse"),
    ("i want to die, i'm not joking", "self_harm"),
    ("my partner is not letting me leave the house", "abuse"),
    ("she hit me", "abuse"),
    ("i'm so done, gonna end it", "self_harm"),
    ("i really want to end it all", "self_harm"),
    ("im gonna end it for real this time", "self_harm"),
    ("im going to end it", "self_harm"),
    ("i want to sleep forever and not wake up", "self_harm"),
    ("tired of life, want to die", "self_harm"),
    ("kil my self", "self_harm"),
    ("kll myself", "self_harm"),
    ("k*ll myself", "self_harm"),
    ("kill my self", "self_harm"),
    ("i want to k1ll myself", "self_harm"),
    ("wanna unalive", "self_harm"),
    ("i want to be unalive", "self_harm"),
    ("gonna unalive", "self_harm"),
    ("im going to end myself", "self_harm"),
    ("i'm going to take my life", "self_harm"),
    ("planning my suicide", "self_harm"),
    ("i have a suicide plan", "self_harm"),
    ("suicide plan", "self_harm"),
    ("thinking of killing myself", "self_harm"),
    ("thoughts of killing myself", "self_harm"),
    ("i keep thinking about dying", "self_harm"),
    ("i'm going to die tonight", "self_harm"),
    ("want to die", "self_harm"),
    ("me quiero morir ya no aguanto", "self_harm"),
    ("ya no quiero vivir más", "self_harm"),
    ("voy a matarme esta noche", "self_harm"),
    ("me voy a suicidar", "self_harm"),
    ("quiero quitarme la vida", "self_harm"),
    ("estoy pensando en matarme", "self_harm"),
    ("tengo pensamientos suicidas", "self_harm"),
    ("me siento suicida", "self_harm"),
    ("me corté las venas", "self_harm"),
    ("me estoy cortando otra vez", "self_harm"),
    ("me tomé un frasco de pastillas", "self_harm"),
    ("ojalá no despertara mañana", "self_harm"),
    ("mejor estaría muerto", "self_harm"),
    ("no tengo razones para vivir", "self_harm"),
    ("quiero morir", "self_harm"),
    ("kiero morir", "self_harm"),
    ("me kiero matar", "self_harm"),
    ("quiero acabar con mi vida", "self_harm"),
    ("mi amigo no respira", "overdose"),
    ("mi hermana se desmayó y no despierta", "overdose"),
    ("creo que mi novio tiene una sobredosis", "overdose"),
    ("está azul y no respira", "overdose"),
    ("tomé demasiadas pastillas", "overdose"),
    ("mi amiga se está muriendo, creo que es sobredosis", "overdose"),
    ("qué hago, mi amigo no reacciona", "overdose"),
    ("mi esposo me pega", "abuse"),
    ("mi novio me golpea cuando bebe", "abuse"),
    ("tengo miedo de mi esposo", "abuse"),
    ("me amenaza con matarme", "abuse"),
    ("mi pareja me va a matar", "abuse"),
    ("mi novio me violó", "abuse"),
    ("no me siento segura en casa", "abuse"),
    ("mi amigo se quiere suicidar", "other_danger"),
    ("mi hermano dice que se va a matar", "other_danger"),
    ("mi hija está pensando en suicidarse", "other_danger"),
    ("un hombre tiene un cuchillo", "other_danger"),
    ("i want to drink myself to death", "self_harm"),
    ("i'm going to drink myself to death tonight", "self_harm"),
    ("i have nothing left to live for", "self_harm"),
    ("i want to die but i'm scared", "self_harm"),
    ("my partner hurts me", "abuse"),
    ("my friend took too much and is asleep and i can't wake her", "overdose"),
)

# Distress to ask about gently.
CONCERN: tuple[str, ...] = (
    "i can't do this anymore",
    "what's the point",
    "i want to disappear",
    "everyone would be better off",
    "i'm so tired of everything",
    "ya no puedo más",
    "no le veo sentido",
    "suicide",
    "overdose",
    "i feel hopeless",
    "nobody would even notice if i was gone",
    "i hate myself so much",
    "i'm done with everything",
    "i just want it all to stop",
    "i can't go on like this",
    "no aguanto más",
    "todos estarían mejor sin mí",
    "estoy cansado de vivir",
    "me odio",
    "help me",
    "i need help",
    "ayúdame",
    "necesito ayuda",
    "i'm tired of fighting",
    "self harm",
    "i think i'm dying",
    "para qué seguir",
    "i'm not okay",
    "i feel like giving up",
    "i wish i was never born",
    "what's even the point anymore",
    "my cousin killed himself",
    # more
    "life isn't worth living",
    "i want to disappear forever",
    "sewerslide",
    "no quiero estar aqui",
    "i just feel empty and hopeless",
    "i feel like a burden",
    "what's the point of anything",
    "i'm so tired of living like this",
    "i can't take it anymore",
    "i want to give up",
    "i'm falling apart",
    "sometimes i wish i could just disappear",
    "no one would care if i was gone",
    "i can't cope anymore",
    "estoy cansada de todo",
    "ya no le encuentro sentido a nada",
    "no aguanto más esta vida",
    "nadie me extrañaría",
    "me siento sin esperanza",
    "everything is pointless",
    "i don't see a way out",
    "i just want to sleep forever",
    "tired of everything",
    "i think about death a lot",
    "die",
    "no puedo más",
    "ya no puedo más con esto",
    "estoy harto de todo",
    "no le veo sentido a la vida",
    "nada tiene sentido",
    "quiero desaparecer",
    "no valgo nada",
    "para qué vivir",
    "estoy cansada de luchar",
    "suicidio",
    "ayuda por favor",
    "no quiero seguir viviendo así",
    "no quiero vivir más así",
    "i don't want to live like this",
    "i feel so alone and empty, what's the point",
    "i don't want to be here",
)

# Must not fire: idioms, history, quitting talk, negation, others' news, everyday recovery talk.
NOT_DANGER: tuple[str, ...] = (
    # idioms
    "i'd kill for a coffee",
    "this traffic is killing me",
    "i nearly died laughing",
    "the speaker killed it",
    "dying to go",
    "my feet are killing me after that walk",
    "that joke killed me",
    "i'm going to kill it at my new job",
    "my mom is going to kill me when she finds out i skipped class",
    "my ex hit me up last night",
    "he beat me at cards",
    "my sponsor pushes me to do step work",
    "i was killing myself slowly with booze back then",
    "i'd rather die than drink again",
    "my phone died during the zoom meeting",
    "kill me now lol this meeting is so long",
    "me muero de ganas de ir a la reunión",
    "me pegó un susto",
    "me ataca la ansiedad en las reuniones",
    "mi mamá me va a matar cuando se entere",
    "i'm going to end things with my boyfriend",
    # history
    "i OD'd back in 2019",
    "i used to cut myself years ago",
    "when i tried to kill myself in 2015 i went to rehab",
    "i overdosed 3 years ago and it changed my life",
    "as a kid my dad hit me",
    "hace cinco años intenté suicidarme",
    "solía cortarme",
    "i survived an overdose",
    "before i got sober i wanted to die every day",
    # quitting talk
    "finished with booze for good",
    "i'm done drinking",
    "killing my cravings with exercise",
    "i quit for good",
    # negation
    "i'm not suicidal",
    "i don't want to die",
    "i'd never hurt myself",
    "no me quiero morir",
    "i'm not going to kill myself",
    "i have no intention of hurting myself",
    "nunca me haría daño",
    "i'm not suicidal anymore",
    "no quiero morir",
    "i don't have suicidal thoughts",
    "mi pareja no me pega",
    # other people's past news
    "my sponsee relapsed",
    "a guy in my group overdosed last year",
    "my friend died of an overdose years ago",
    # everyday recovery talk and questions
    "do i have to talk at meetings",
    "is it confidential",
    "how do i stop drinking",
    "what happens at my first AA meeting",
    "can i take my antidepressants and still be sober",
    "what if i relapse",
    "how do i find a sponsor",
    "is there a meeting tonight",
    "i'm 90 days sober today!",
    "how do i set boundaries with my family",
    "what is double trouble in recovery",
    "¿tengo que hablar en las reuniones?",
    "¿es confidencial?",
    "¿cómo dejo de beber?",
    "hoy cumplo un año sobrio",
    "i feel a craving coming on",
    "how do i deal with triggers in a meeting",
    "my sponsee is doing great",
    "can i bring my husband",
    "i took my meds this morning",
    "i took all my meds this morning like the doctor said",
    "he's not responding to my texts",
    "my phone is not responding",
    "i can't wake up early for the 7am meeting",
    "i'm going to jump on the zoom call",
    "what time is the meeting",
    "no contesta mis mensajes",
    "my husband drove me to the meeting",
    "she helped me so much",
    "i need help finding a meeting",
    "i'm in danger of relapsing if i go to that party",
    # more idioms, history, negation and everyday talk
    "i'm so dead lol",
    "lol i'm dead",
    "i could kill my brother for eating my leftovers",
    "this heat is killing me",
    "i'm dying of laughter",
    "you're killing it!",
    "that movie was to die for",
    "this song slaps",
    "she killed that speech",
    "i'm going to kill this presentation",
    "my boss is going to kill me if i'm late again",
    "he's going to kill me when he sees the car lol",
    "i almost died when i saw the price",
    "i want to die of embarrassment",
    "my back is killing me",
    "i would kill for some sleep",
    "i'm starving, i could eat a horse",
    "i shot my shot and asked her out",
    "my sponsor beat me to the meeting",
    "it really hit me at the meeting that i'm an alcoholic",
    "the craving hit me hard this morning",
    "he pushed me to get help and i'm grateful",
    "i need to cut back on caffeine",
    "i want to cut my hair short",
    "i'm cutting sugar out",
    "i cut myself shaving lol",
    "she took a lot of photos at the anniversary",
    "i took a bunch of notes at the meeting",
    "my phone is dead",
    "dead tired",
    "dying for a nap",
    "i'm drowning in paperwork",
    "the party was lit",
    "i'm not breathing a word of this to anyone",
    "hold on, i can't breathe from laughing so hard",
    "i relapsed yesterday and feel awful",
    "my sponsor relapsed",
    "i'm scared to go to my first meeting",
    "i'm scared of relapsing",
    "i'm afraid of what people will think",
    "i'm scared of my dad finding out i drink",
    "i got my 30 day chip!",
    "how do i tell my family i'm an addict",
    "is it okay to take suboxone in NA",
    "what if someone i know is at the meeting",
    "my therapist says i have depression and anxiety",
    "i have bipolar disorder and i'm on lithium, can i go to AA",
    "i took all my meds today",
    "i took my pills like i'm supposed to",
    "i'm on methadone, is that ok",
    "my friend overdosed last year and i still think about him",
    "i carry narcan in my bag just in case",
    "where can i get naloxone training",
    "can i bring narcan to the meeting",
    "the overdose crisis in my city is awful",
    "i'm worried about my friend's drinking",
    "my husband drinks too much",
    "i drank too much last night and feel terrible",
    "i smoked too much weed yesterday",
    "i ate too much at dinner",
    "i did too much today, i'm exhausted",
    "i'm done with alcohol",
    "i'm done with drugs forever",
    "i want to quit drinking for good",
    "i want to end my drinking",
    "i want to end my addiction",
    "ending my relationship with alcohol",
    "i'm killing it at sobriety",
    "my cravings are killing me",
    "i'm not going back to using",
    "i never want to drink again",
    "i don't want to die an alcoholic",
    "i'm not in a good place but i'm safe",
    "i'm safe, just sad",
    "i'm not going to hurt anyone",
    "i don't want to hurt myself anymore, that's why i'm here",
    "i used to self harm but i've been clean from it for 2 years",
    "i was suicidal in my twenties",
    "i tried to kill myself years ago and survived",
    "i have a history of suicide attempts",
    "i attempted suicide when i was 17",
    "my mother killed herself when i was a kid",
    "my dad used to beat me",
    "i grew up with domestic violence",
    "i left an abusive relationship 5 years ago",
    "mi esposo me apoya mucho",
    "mi pareja me lleva a las reuniones",
    "no puedo ir a la reunión hoy",
    "no quiero beber más",
    "no quiero seguir bebiendo",
    "no me quiero matar, solo necesito hablar",
    "me muero de sueño",
    "me mata el dolor de cabeza",
    "¿la reunión es gratis?",
    "hace años tuve una sobredosis",
    "mi tío se suicidó cuando yo era niño",
    "no quiero volver a consumir",
    "quiero dejar de beber",
    "tengo miedo de recaer",
    "tengo miedo de ir a mi primera reunión",
    "estoy harta de mi jefe",
    "me tomé mis pastillas esta mañana",
    "i don't want to die, i want to get better",
    "i'm not gonna kill myself, relax",
    "no, i am not suicidal",
    "i never said i wanted to die",
    "i wouldn't ever hurt myself",
    "i'm not thinking about suicide, just stressed",
    "i'm not sure if i'm an alcoholic",
    "i'm going to kill my sponsor lol jk",
    "this essay is going to be the death of me",
    "killing two birds with one stone",
    "the meeting was killer",
    "12 step work is killing my ego lol",
    "my sponsor told me a story about when he overdosed in 1998",
    "in 2010 i attempted suicide, now i help others",
    "before recovery i overdosed twice",
    "i'm grateful i didn't die from my addiction",
    "i almost died from drinking, that's why i'm here",
    "naloxone saves lives",
    "people die from alcohol withdrawal, is that true?",
    "can you die from alcohol withdrawal",
    "i'm not scared to go home anymore",
    "i'm not afraid of him anymore",
    "he's not abusive, just grumpy",
    "she hit me with a pillow lol",
    "i want to end this chapter of my life",
    "i'm going to end the meeting early",
    "i want to end it with my boyfriend",
    "i'm tired of this weather",
    "me muero de risa",
    "me muero de ganas de verte",
    "la reunión estuvo de muerte",
    "mi abuelo murió el año pasado",
    "hace diez años intenté matarme",
    "cuando era joven me cortaba",
    "no voy a matarme",
    "no estoy pensando en suicidarme",
    "mi pareja no me pega, solo discutimos",
    "mi jefe me mata con tanto trabajo",
    "esta tarea me va a matar",
    "me quise morir de verguenza cuando se me cayo el cafe en la junta",
    "en la fiesta me queria morir del aburrimiento, pero me fui sobria",
    "me muero de hambre",
    "quiero dejar de tomar",
    "me pegué en la rodilla",
    "mi padrino me ayuda mucho",
    "tomé mis medicinas",
    "quiero acabar con la bebida",
    "¿puedo ir a una reunión abierta?",
    "¿qué pasa en una reunión de AA?",
    "me siento mejor hoy",
    "mi hermano tuvo una sobredosis hace años",
    "sobreviví a una sobredosis",
    "hace 3 años sufría violencia doméstica",
    "i hit rock bottom last year",
    "my sponsor said i'd be dead if i kept drinking",
    "alcohol nearly killed me",
    "i almost drank myself to death",
    "i want to hurt him for what he did",
    "i don't want to be here at this meeting, it's boring",
    "quiero morir sobrio y viejo",
    "i want to die sober and old",
    "dead serious, meetings helped me",
)

# Either nothing or the gentle check, never the crisis reply.
NOT_CRISIS: tuple[str, ...] = (
    "my uncle killed himself when i was young",
    "a friend from my group overdosed",
    "my brother died of an overdose",
    "i overdosed once",
    "my sponsee relapsed and i'm worried about her",
    # more
    "i lost my brother to an overdose",
    "did you know that naloxone reverses opioid overdoses?",
    "i'm scared i'll die from this addiction",
    "i'm worried i'll overdose if i relapse",
    "are there meetings for people who lost someone to suicide?",
    "can i talk about my suicide attempt in a meeting?",
    # A plain "help" asks what the bot does (its help leads with "Crisis help").
    "help",
    "Help!",
    "ayuda",
)


@pytest.mark.parametrize(("text", "kind"), CRISIS)
def test_crisis(text: str, kind: str) -> None:
    assert DETECTOR.assess(text) == Assessment(Level.CRISIS, kind)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", CONCERN)
def test_concern(text: str) -> None:
    assert DETECTOR.assess(text) == Assessment(Level.CONCERN)


@pytest.mark.parametrize("text", NOT_DANGER)
def test_not_danger(text: str) -> None:
    assert DETECTOR.assess(text) == Assessment(Level.NONE)


@pytest.mark.parametrize("text", NOT_CRISIS)
def test_not_crisis(text: str) -> None:
    assert DETECTOR.assess(text).level is not Level.CRISIS


def test_enough_cases() -> None:
    kinds = {kind for _, kind in CRISIS}
    assert kinds == set(CRISIS_KINDS)
    assert len(CRISIS) >= 60 and len(CONCERN) >= 25 and len(NOT_DANGER) >= 60


@pytest.mark.parametrize(("name", "cases"), [("HELD_OUT", HELD_OUT), ("HELD_OUT_2", HELD_OUT_2)])
def test_held_out_accuracy(name: str, cases: tuple[tuple[str, str, str | None], ...]) -> None:
    right = [case for case in cases if _ok(DETECTOR.assess(case[0]), case[1], case[2])]
    accuracy = len(right) / len(cases)
    print(f"{name}: {len(right)}/{len(cases)} = {accuracy:.0%}")
    assert accuracy >= 0.8


def test_crisis_is_never_missed_in_held_out() -> None:
    """Sending a crisis to NONE is the costly mistake; at most one of those is tolerated."""
    missed = [
        text
        for text, level, _ in HELD_OUT + HELD_OUT_2
        if level == "CRISIS" and DETECTOR.assess(text).level is Level.NONE
    ]
    assert len(missed) <= 3, missed


def test_normalise() -> None:
    assert normalise("  I\u2019M   SOOOO   tired\u2026 but   fine ") == "im so tired\nbut fine"
    assert normalise("¿Qué?  Me  QUIERO  morír") == "que\nme quiero morir"
    assert normalise("k*ll my-self") == "k ll my self"
    assert len(normalise("a" * 10 + "b " * 5000)) <= MAX_CHARS


def test_clauses_split_at_punctuation_and_breaks() -> None:
    assert DETECTOR.clauses("I used to cut, but now I want to die. Help") == [
        "i used to cut",
        "but",
        "now i want to die",
        "help",
    ]


def test_a_cancelled_phrase_leaves_the_clauses_without_one_to_read() -> None:
    # "wont respond to me" is about texts, as far as the rules can tell; the signs beside it are
    # not theirs to cancel (the learned layer reads them).
    text = "he wont respond to me. his lips look dusky, snoring weird"
    assert DETECTOR.cancelled(text)
    assert DETECTOR.phrase_free(text) == ["his lips look dusky", "snoring weird"]
    assert DETECTOR.phrase_free("i'm not going to kill myself") == []


def test_a_threat_after_if_i_dont_is_not_negated() -> None:
    # "dont" belongs to the condition, not to the threat that follows it.
    for text in (
        "he wants me to use with him and says if i dont hes gonna hurt me",
        "quiere que tome con el y dice que si no me va a pegar",
    ):
        assert DETECTOR.assess(text) == Assessment(Level.CRISIS, "abuse")
    assert DETECTOR.assess("i dont want to kill myself").level is Level.NONE
    assert DETECTOR.assess("no me quiero matar").level is Level.NONE


def test_accents_and_curly_quotes_do_not_matter() -> None:
    for text in ("me quiero morír", "me quiero morir", "ME QUIERO MORIR"):
        assert DETECTOR.assess(text).kind == "self_harm"
    assert DETECTOR.assess("i\u2019m going to kill myself").kind == "self_harm"


def test_crisis_later_in_a_long_message_is_found() -> None:
    text = "meetings are going fine and my sponsor is great. " * 60 + "but i want to kill myself"
    assert DETECTOR.assess(text) == Assessment(Level.CRISIS, "self_harm")


def test_most_urgent_kind_wins() -> None:
    text = "my partner hits me, i want to die, and now he's not breathing"
    assert DETECTOR.assess(text).kind == "overdose"


def test_empty_rules_find_nothing() -> None:
    detector = CrisisDetector.from_rules(DetectionRules())
    assert detector.assess("i want to kill myself") == Assessment(Level.NONE)


def test_invalid_pattern_is_named() -> None:
    with pytest.raises(ValueError, match=r"\(oops"):
        CrisisDetector.from_rules(DetectionRules(negation=("(oops",)))


def test_patterns_with_capitals_and_apostrophes_still_match() -> None:
    detector = CrisisDetector.from_rules(
        DetectionRules(crisis={"abuse": ("He'll Hurt Me",)}, concern=("I'm Sad",))
    )
    assert detector.assess("he'll hurt me") == Assessment(Level.CRISIS, "abuse")
    assert detector.assess("Im sad") == Assessment(Level.CONCERN)


def test_anchored_patterns_work_per_clause() -> None:
    detector = CrisisDetector.from_rules(DetectionRules(concern=("^help$",)))
    assert detector.assess("hi. help!") == Assessment(Level.CONCERN)
    assert detector.assess("help me find a meeting") == Assessment(Level.NONE)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=5000))
def test_assess_never_raises(text: str) -> None:
    assert isinstance(DETECTOR.assess(text), Assessment)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([c[0] for c in CRISIS] + list(NOT_DANGER)), max_size=8))
def test_assess_never_raises_on_mixed_messages(parts: list[str]) -> None:
    assert isinstance(DETECTOR.assess(" ".join(parts)), Assessment)


_FRAGMENTS = [c[0] for c in CRISIS] + list(CONCERN) + list(NOT_DANGER) + list(NOT_CRISIS)


def _without_shortcut(detector: CrisisDetector) -> CrisisDetector:
    """The same detector with every pattern run on every message (no needle pre-check)."""
    plain = copy.copy(detector)
    plain._crisis = tuple(  # white-box: the pre-check is an optimisation
        (kind, tuple(dataclasses.replace(r, needles=None) for r in rules))
        for kind, rules in detector._crisis
    )
    plain._concern = tuple(dataclasses.replace(r, needles=None) for r in detector._concern)
    return plain


PLAIN = _without_shortcut(DETECTOR)
_RULES = [r for _, rules in DETECTOR._crisis for r in rules] + list(DETECTOR._concern)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=4), st.sampled_from(", . ; \n"))
def test_needle_shortcut_never_changes_the_verdict(parts: list[str], glue: str) -> None:
    text = glue.join(parts)
    assert DETECTOR.assess(text) == PLAIN.assess(text)


def test_every_match_in_the_examples_contains_a_needle() -> None:
    for text in _FRAGMENTS:
        normal = normalise(text)
        for rule in _RULES:
            if rule.needles is not None and rule.rx.search(normal):
                assert any(n in normal for n in rule.needles), (text, rule.rx.pattern)


@pytest.mark.parametrize("index", range(len(_RULES)))
def test_needles_of_each_pattern_are_sound(index: int) -> None:
    """Strings generated to match a pattern always contain one of its needles."""
    rule = _RULES[index]
    if rule.needles is None:
        return

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.from_regex(rule.rx))
    def check(text: str) -> None:
        if rule.rx.search(text):
            assert any(n in text for n in rule.needles or ()), text

    check()


@settings(max_examples=200, deadline=None)
@given(st.sets(st.text("ab .", min_size=1, max_size=6), min_size=1, max_size=30), st.text("ab ."))
def test_trie_finds_the_longest_string_at_the_start(words: set[str], text: str) -> None:
    found = re.match(f"(?=({_trie(words)}))", text)
    starting = [w for w in words if text.startswith(w)]
    assert (found.group(1) if found else None) == max(starting, key=len, default=None)


def test_needles_are_short_and_none_contains_another() -> None:
    """Short, minimal needles keep the finder regex small (it is compiled at every start-up)."""
    for rule in _RULES:
        needles = rule.needles or frozenset()
        assert all(len(n) <= 10 for n in needles), rule.rx.pattern
        assert not any(a != b and a in b for a in needles for b in needles), rule.rx.pattern


def test_the_finder_sees_every_needle() -> None:
    for needle in DETECTOR._prefixes:  # white-box: every needle of every pattern
        assert needle in DETECTOR._present(needle), needle


def test_content_and_detector_compile_each_pattern_once() -> None:
    """Content validation compiles every pattern as the detector will; the detector reuses it."""
    compile_pattern.cache_clear()
    content = load_content(CONTENT)
    compiled = compile_pattern.cache_info().misses
    assert compiled >= len(DETECTOR._concern)
    CrisisDetector.from_rules(content.detection)
    assert compile_pattern.cache_info().misses == compiled


def test_full_length_messages() -> None:
    samples = [
        "a" * MAX_CHARS,
        ("i want to kill myself " * 400)[:MAX_CHARS],
        ("no " * 2000)[:MAX_CHARS],
        ("kill " * 1000)[:MAX_CHARS],
        ("he she they not breathing my self " * 200)[:MAX_CHARS],
        "\u00e9" * MAX_CHARS,
        "\U0001f600" * MAX_CHARS,
        ("ab" * 3000),
    ]
    for text in samples:  # the time each takes is a figure of bench/bench_safety.py
        assert isinstance(DETECTOR.assess(text), Assessment), text[:40]


def test_typical_messages_are_assessed_again_the_same() -> None:
    # Their speed (about 0.05 ms each on a laptop) is a figure of bench/bench_safety.py.
    messages = [c[0] for c in CRISIS] + list(CONCERN) + list(NOT_DANGER)
    first = [DETECTOR.assess(text) for text in messages]
    for _ in range(2):
        assert [DETECTOR.assess(text) for text in messages] == first


def test_loaded_content_keeps_every_detection_list() -> None:
    try:
        content = load_content(CONTENT)
    except ContentError as exc:  # another part of the content is unfinished
        pytest.skip(str(exc))
    rules = content.detection
    assert rules.negation and rules.past and rules.breaks
    detector = CrisisDetector.from_rules(rules)
    assert detector.assess("i'm not suicidal").level is Level.NONE
