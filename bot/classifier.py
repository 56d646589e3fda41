"""A learned text classifier: word and character n-grams, TF-IDF, multinomial logistic regression.

Trained with scikit-learn from examples kept in content (an FAQ's `also_asked`, labelled example
messages), quickly and deterministically; then run with NumPy alone, so that answering a message
never imports scikit-learn. A trained model is a pure function of its examples: it may be cached
by their fingerprint (`fingerprint`), and is rebuilt whenever they change. Nothing here reads the
clock, the network or a database; `save` and `load` read and write the one cache file they are
given.

- Features (`features`): the text folded (lower case, no accents, one apostrophe), its words,
  pairs of neighbouring words, and character 3- to 5-grams inside each word (typos and endings
  still share most of them). The same function serves training and inference.
- Weights: TF-IDF with sublinear counts and L2 norm, exactly as scikit-learn's `TfidfVectorizer`
  computes them (`LinearModel.vector` is checked against it in the tests).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

# Bump when `features` or the training recipe changes: cached models then no longer apply.
RECIPE = "ngrams-v1"
MAX_CHARS = 1_000
# When the solver stops: the change in loss it no longer pursues (scikit-learn's default, 1e-4).
# 1e-3 halves training time (5.5 -> 2.9 s for the English questions) but, on the dev split
# (2026-12-04), cost the safety model half a point of right-kind crisis replies: not taken.
# Changing it changes the models: bump RECIPE with it.
TOLERANCE = 1e-4
_WORD = re.compile(r"[a-z0-9]+")
_APOSTROPHES = str.maketrans({"\u2019": "", "\u2018": "", "'": "", "`": "", "\u00b4": ""})


def fold(text: str) -> str:
    """Lower case without accents or apostrophes ("Can't" and "cant", "qué" and "que" agree)."""
    text = text[:MAX_CHARS].casefold().translate(_APOSTROPHES)
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return text


def words_of(text: str) -> list[str]:
    """The words of `text`, folded."""
    return _WORD.findall(fold(text))


def word_features(word: str) -> list[str]:
    """The n-grams one word brings: itself and its 3-5 character pieces."""
    padded = f"<{word}>"
    out = [f"w {word}"]
    for size in (3, 4, 5):
        out.extend(f"c {padded[i : i + size]}" for i in range(len(padded) - size + 1))
    return out


def pair_features(words: Sequence[str]) -> list[str]:
    return [f"p {a} {b}" for a, b in zip(words, words[1:], strict=False)]


def features(text: str) -> list[str]:
    """The n-grams of `text` the model weighs: words, word pairs, and 3-5 character pieces."""
    words = words_of(text)
    out = pair_features(words)
    for word in words:
        out.extend(word_features(word))
    return out


def fingerprint(examples: Iterable[tuple[str, str]], **settings: Any) -> str:
    """A short hash of the examples, the recipe and the training settings: the cache key."""
    digest = hashlib.sha256(RECIPE.encode())
    digest.update(json.dumps(settings, sort_keys=True).encode())
    for text, label in examples:
        digest.update(f"{label}\x1f{text}\x1e".encode())
    return digest.hexdigest()[:20]


@dataclass(frozen=True, eq=False)
class LinearModel:
    """A trained classifier: its labels, its features' columns and IDF, and its weights."""

    labels: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: NDArray[np.float64]
    coef: NDArray[np.float32]  # (features, labels)
    intercept: NDArray[np.float64]  # (labels,)
    # The columns each known word brings, worked out once per word. Only words the model was
    # trained on are kept, so the cache holds content's words, never what someone typed.
    _known: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False)

    def vector(self, text: str) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """The TF-IDF vector of `text` as (columns, values), L2-normalised."""
        words = words_of(text)
        vocabulary, known = self.vocabulary, self._known
        found: list[int] = []
        for word in words:
            brought = known.get(word)
            if brought is None:
                brought = tuple(
                    c for c in map(vocabulary.get, word_features(word)) if c is not None
                )
                if f"w {word}" in vocabulary:
                    known[word] = brought
            found.extend(brought)
        found.extend(c for c in map(vocabulary.get, pair_features(words)) if c is not None)
        if not found:
            return np.empty(0, dtype=np.intp), np.empty(0)
        columns, counts = np.unique(np.asarray(found, dtype=np.intp), return_counts=True)
        values = (1.0 + np.log(counts)) * self.idf[columns]
        return columns, values / np.linalg.norm(values)

    def probabilities(self, text: str) -> NDArray[np.float64]:
        """The probability of each label for `text`, in `labels` order."""
        columns, values = self.vector(text)
        logits = self.intercept + values @ self.coef[columns] if len(columns) else self.intercept
        logits = logits - logits.max()
        exp = np.exp(logits)
        return exp / exp.sum()  # type: ignore[no-any-return]

    def ranked(self, text: str, limit: int = 3) -> list[tuple[str, float]]:
        """The `limit` likeliest labels for `text`, likeliest first, with their probabilities."""
        probabilities = self.probabilities(text)
        order = np.argsort(-probabilities, kind="stable")[:limit]
        return [(self.labels[i], float(probabilities[i])) for i in order]


def train(examples: Sequence[tuple[str, str]], *, strength: float = 20.0) -> LinearModel:
    """Fit a model to (text, label) examples; the same examples always give the same model.

    `strength` is logistic regression's C: higher trusts the examples more."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    if len({label for _, label in examples}) < 2:
        raise ValueError("a classifier needs examples of at least two labels")
    vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True, dtype=np.float64)
    matrix = vectorizer.fit_transform([text for text, _ in examples])
    model = LogisticRegression(C=strength, max_iter=2_000, class_weight="balanced", tol=TOLERANCE)
    model.fit(matrix, [label for _, label in examples])
    coef = np.asarray(model.coef_, dtype=np.float32)
    intercept = np.asarray(model.intercept_, dtype=np.float64)
    labels = tuple(str(label) for label in model.classes_)
    if len(labels) == 2:
        # Two labels: scikit-learn keeps one row of weights, for the second label.
        coef = np.vstack([-coef / 2, coef / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    vocabulary = {str(k): int(v) for k, v in vectorizer.vocabulary_.items()}
    return LinearModel(labels, vocabulary, np.asarray(vectorizer.idf_), coef.T.copy(), intercept)


def save(model: LinearModel, path: Path) -> None:
    """Write `model` to `path` (NumPy's .npz), atomically: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = sorted(model.vocabulary, key=model.vocabulary.__getitem__)
    temp = path.with_name(f".{path.name}.tmp")
    with temp.open("wb") as handle:
        np.savez(
            handle,
            labels=np.array(model.labels),
            names=np.array(names),
            idf=model.idf,
            coef=model.coef,
            intercept=model.intercept,
        )
    temp.replace(path)


def load(path: Path) -> LinearModel:
    """Read a model written by `save`; OSError or ValueError when the file is not one."""
    with np.load(path, allow_pickle=False) as data:
        names = [str(n) for n in data["names"]]
        return LinearModel(
            labels=tuple(str(label) for label in data["labels"]),
            vocabulary={name: i for i, name in enumerate(names)},
            idf=np.asarray(data["idf"], dtype=np.float64),
            coef=np.asarray(data["coef"], dtype=np.float32),
            intercept=np.asarray(data["intercept"], dtype=np.float64),
        )


def trained(
    examples: Sequence[tuple[str, str]], cache_dir: Path | None, *, strength: float = 20.0
) -> LinearModel:
    """The model for `examples`: read from `cache_dir` when it was trained before, else trained
    (and written there for next time, when a cache is given and writable). Processes sharing a
    cache (two instances starting at once, parallel test workers) train each model once: the
    others wait for it and read it."""
    key = fingerprint(examples, strength=strength)
    if cache_dir is None:
        return train(examples, strength=strength)
    path = cache_dir / f"model-{key}.npz"
    model = _cached(path)
    if model is not None:
        return model
    with _turn(path.with_name(f".{path.stem}.lock")):
        model = _cached(path)  # trained by another process while this one waited
        if model is None:
            model = train(examples, strength=strength)
            # A read-only place: the model still serves; it is only trained again next time.
            with contextlib.suppress(OSError):
                save(model, path)
    return model


def _cached(path: Path) -> LinearModel | None:
    if not path.exists():
        return None
    try:
        return load(path)
    except (OSError, ValueError, KeyError):
        return None  # a damaged cache file is rebuilt


@contextlib.contextmanager
def _turn(lock: Path) -> Iterator[None]:
    """Hold `lock` (an advisory file lock) while inside; without one where it cannot be made."""
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        handle = lock.open("a")
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
