"""How well the bot understands messages nobody tuned on, beside the development split.

    .venv/bin/python -m bench.bench_understanding [en|es ...]

Questions, per language:
- `dev`: the labelled examples in `content/<lang>/examples/questions.yaml`, scored by 5-fold
  cross-validation (each fold's model is trained on the FAQ's `also_asked` and the other folds):
  the figure the people tuning may look at.
- `locked`: `tests/corpora/locked/<lang>_questions.yaml`, written by someone who never saw the
  matcher, its rules or the rest of the data, scored with the model trained on everything in
  content. Nobody tuning reads that file; only these figures. A gap between the two is
  overfitting.
Each split is scored for today's rule matcher alone (`rules`) and for the learned reader
(`learned`), in the same run.

Figures: `direct` (in-scope messages answered directly with the right entry), `top3` (the right
entry answered or among the offered three), `wrong` (answered directly with a wrong entry),
`declined` (out-of-scope messages given no direct answer), `intent` (requests for a feature routed
to it). Speed: p99 of reading one message, learned against rules (the median of five rounds).

Safety, per language, the same two splits: `resources-first` (danger messages given the crisis
reply or the gentle check first), `full-right-kind` (the crisis reply of the message's kind),
`worrying flagged`, and for ordinary messages `full-crisis`, `gentle` and `answered-with-line`
(a question about danger the FAQ answers first, the emergency number beneath; as a first reply
to a danger message it is not counted as resources first).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.classifier import train
from bot.content import Content, LanguagePack, load_content
from bot.danger import DangerReader, danger_vocabulary, label_of
from bot.examples import Examples, QuestionExample, load_examples
from bot.matching import FaqMatcher
from bot.models import cross_validation, safety_pairs
from bot.safety import Assessment, CrisisDetector, Level
from bot.services import Library
from bot.understanding import INTENT_PREFIX, OUT_OF_SCOPE, QuestionReader, Reading, training_set
from bot.yamlfile import load_yaml

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
LOCKED = ROOT / "tests" / "corpora" / "locked"
ROUNDS = 5  # timing rounds per language; the median p99 is reported


def pct(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "n/a"


@dataclass
class Score:
    in_scope: int = 0
    direct: int = 0
    top3: int = 0
    wrong: int = 0
    out_of_scope: int = 0
    declined: int = 0
    intents: int = 0
    routed: int = 0

    def add(self, label: str, reading: Reading, entries: frozenset[str]) -> None:
        if label in entries:
            self.in_scope += 1
            self.direct += reading.answer == label
            self.top3 += label == reading.answer or label in reading.suggestions
            self.wrong += reading.answer is not None and reading.answer != label
        elif label == OUT_OF_SCOPE:
            self.out_of_scope += 1
            self.declined += reading.answer is None
        elif label.startswith(INTENT_PREFIX):
            self.intents += 1
            self.routed += reading.intent == label.removeprefix(INTENT_PREFIX)

    def line(self, name: str) -> str:
        return (
            f"{name}: direct {pct(self.direct, self.in_scope)} top3 {pct(self.top3, self.in_scope)}"
            f" wrong {pct(self.wrong, self.in_scope)} (n={self.in_scope});"
            f" declined {pct(self.declined, self.out_of_scope)} (n={self.out_of_scope});"
            f" intent {pct(self.routed, self.intents)} (n={self.intents})"
        )


def _faq(pack: LanguagePack) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(e.id, e.question, e.also_asked) for c in pack.faq.categories for e in c.entries]


def _rules_reader(matcher: FaqMatcher, ids: list[str]) -> QuestionReader:
    return QuestionReader(matcher, None, ids)


def _score(
    reader: Callable[[str], Reading], items: Sequence[tuple[str, str]], entries: frozenset[str]
) -> Score:
    score = Score()
    for text, label in items:
        score.add(label, reader(text), entries)
    return score


def _locked(language: str) -> list[tuple[str, str]]:
    path = LOCKED / f"{language}_questions.yaml"
    if not path.exists():
        return []
    data = load_yaml(path).data or {}
    return [(m["text"], m["label"]) for m in data.get("messages", [])]


def _p99_ms(read: Callable[[str], object], texts: Sequence[str]) -> float:
    samples = []
    for text in texts:
        start = time.perf_counter()
        read(text)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.quantiles(samples, n=100)[98]


def run(language: str) -> None:
    content = load_content(CONTENT)
    pack = content.pack(language)
    faq = _faq(pack)
    ids = [entry_id for entry_id, _, _ in faq]
    entries = frozenset(ids)
    matcher = Library.build(content).matcher(pack)  # today's rule matcher, as the bot builds it
    rules = _rules_reader(matcher, ids)
    examples: list[QuestionExample] = list(load_examples(CONTENT / language).questions)
    dev = [(q.text, q.label) for q in examples]

    # Development split: cross-validated, so no message is scored by a model trained on it.
    learned_dev = Score()
    for model, held in cross_validation(training_set(faq, []), dev):
        reader = QuestionReader(matcher, model, ids)
        for i in held:
            learned_dev.add(dev[i][1], reader.read(dev[i][0]), entries)
    print(
        f"understanding_{language}_questions_dev " + _score(rules.read, dev, entries).line("rules")
    )
    print(f"understanding_{language}_questions_dev " + learned_dev.line("learned"))

    model = train(training_set(faq, dev))
    learned = QuestionReader(matcher, model, ids)
    locked = _locked(language)
    if locked:
        print(
            f"understanding_{language}_questions_locked "
            + _score(rules.read, locked, entries).line("rules")
        )
        print(
            f"understanding_{language}_questions_locked "
            + _score(learned.read, locked, entries).line("learned")
        )
    # Speed: what every typed message costs, the safety check and then the question reader,
    # learned against today's rules alone (the crisis patterns and the rule matcher).
    texts = [t for t, _ in dev + locked] or [q for _, q, _ in faq]
    examples_all = {lang: load_examples(CONTENT / lang) for lang in content.packs}
    detector = CrisisDetector.from_rules(content.detection)
    danger = DangerReader(
        detector,
        train(safety_pairs(examples_all)),
        danger_vocabulary(w for e in examples_all.values() for w in e.danger_words),
    )

    def rules_path(text: str) -> object:
        return detector.assess(text), matcher.match(text)

    def learned_path(text: str) -> object:
        return danger.assess(text), learned.read(text)

    for _ in range(2):  # warm both (caches of the rule matcher's typo correction)
        _p99_ms(rules_path, texts)
        _p99_ms(learned_path, texts)
    # The median of several rounds, the two paths taking turns: one round's p99 moved by a
    # millisecond from run to run on a shared two-core machine (2026-12-08).
    rounds = [(_p99_ms(rules_path, texts), _p99_ms(learned_path, texts)) for _ in range(ROUNDS)]
    rules_p99 = statistics.median(r for r, _ in rounds)
    learned_p99 = statistics.median(learned for _, learned in rounds)
    print(f"understanding_{language}_message_p99_ms: {learned_p99:.3f} ms")
    print(f"understanding_{language}_rules_only_p99_ms: {rules_p99:.3f} ms")
    print(f"understanding_{language}_message_vs_rules_only: {learned_p99 / rules_p99:.2f} x")


@dataclass
class SafetyScore:
    crisis: int = 0
    resources_first: int = 0
    right_kind: int = 0
    gentle: int = 0
    gentle_flagged: int = 0
    ordinary: int = 0
    false_crisis: int = 0
    false_gentle: int = 0

    answered: int = 0  # ordinary messages answered by the FAQ, the emergency line beneath

    def add(self, expect: str, kind: str, assessment: Assessment, answered: bool = False) -> None:
        """One message's verdict; `answered` when the bot answers it from the FAQ first (an
        informational concern the FAQ answers directly), which for danger is not counted as
        resources first, though the emergency line is beneath."""
        flagged = assessment.level is not Level.NONE and not answered
        if expect == "crisis":
            self.crisis += 1
            self.resources_first += flagged
            self.right_kind += assessment.level is Level.CRISIS and assessment.kind == kind
        elif expect == "gentle":
            self.gentle += 1
            self.gentle_flagged += flagged
        else:
            self.ordinary += 1
            self.false_crisis += assessment.level is Level.CRISIS
            self.false_gentle += assessment.level is Level.CONCERN and not answered
            self.answered += answered

    def line(self, name: str) -> str:
        return (
            f"{name}: danger resources-first {pct(self.resources_first, self.crisis)}"
            f" full-right-kind {pct(self.right_kind, self.crisis)} (n={self.crisis});"
            f" worrying flagged {pct(self.gentle_flagged, self.gentle)} (n={self.gentle});"
            f" ordinary full-crisis {pct(self.false_crisis, self.ordinary)}"
            f" gentle {pct(self.false_gentle, self.ordinary)}"
            f" answered-with-line {pct(self.answered, self.ordinary)} (n={self.ordinary})"
        )


def _locked_safety(language: str) -> list[tuple[str, str, str]]:
    path = LOCKED / f"{language}_safety.yaml"
    if not path.exists():
        return []
    data = load_yaml(path).data or {}
    return [(m["text"], m["expect"], m.get("kind", "none")) for m in data.get("messages", [])]


def _answers_first(
    content: Content, language: str, examples: Examples
) -> Callable[[str, Assessment], bool]:
    """Whether the bot answers a message from the FAQ before anything else, as
    `bot.handlers.safety` does: an informational concern the question reader answers directly."""
    pack = content.pack(language)
    faq = _faq(pack)
    reader = QuestionReader(
        Library.build(content).matcher(pack),
        train(training_set(faq, [(q.text, q.label) for q in examples.questions])),
        [entry_id for entry_id, _, _ in faq],
    )

    emergency = {e.id for c in pack.faq.categories for e in c.entries if e.emergency}

    def answers(text: str, assessment: Assessment) -> bool:
        return assessment.informational and reader.read(text).answer in emergency

    return answers


def run_safety(languages: Sequence[str]) -> None:
    content = load_content(CONTENT)
    detector = CrisisDetector.from_rules(content.detection)
    examples = {lang: load_examples(CONTENT / lang) for lang in content.packs}
    vocabulary = danger_vocabulary(w for e in examples.values() for w in e.danger_words)
    rules = DangerReader(detector, None, None)
    pairs = safety_pairs(examples)
    for language in languages:
        answers = _answers_first(content, language, examples.get(language, Examples()))
        dev = [(e.text, e.expect, e.kind) for e in examples.get(language, Examples()).safety]
        # Cross-validated: each fold's model never saw the messages it is scored on; the other
        # languages' examples are always trained on.
        rules_dev, learned_dev = SafetyScore(), SafetyScore()
        for text, expect, kind in dev:
            rules_dev.add(expect, kind, rules.assess(text))
        texts = {text for text, _, _ in dev}
        others = [pair for pair in pairs if pair[0] not in texts]
        labelled = [(text, label_of(expect, kind)) for text, expect, kind in dev]
        for model, held in cross_validation(others, labelled):
            reader = DangerReader(detector, model, vocabulary)
            for i in held:
                text, expect, kind = dev[i]
                assessment = reader.assess(text)
                learned_dev.add(expect, kind, assessment, answers(text, assessment))
        print(f"understanding_{language}_safety_dev " + rules_dev.line("rules"))
        print(f"understanding_{language}_safety_dev " + learned_dev.line("learned"))
        locked = _locked_safety(language)
        if locked:
            full = DangerReader(detector, train(pairs), vocabulary)
            rules_locked, learned_locked = SafetyScore(), SafetyScore()
            for text, expect, kind in locked:
                rules_locked.add(expect, kind, rules.assess(text))
                assessment = full.assess(text)
                learned_locked.add(expect, kind, assessment, answers(text, assessment))
            print(f"understanding_{language}_safety_locked " + rules_locked.line("rules"))
            print(f"understanding_{language}_safety_locked " + learned_locked.line("learned"))


def main(argv: Sequence[str]) -> int:
    languages = list(argv) or ["en", "es"]
    for language in languages:
        run(language)
    run_safety(languages)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
