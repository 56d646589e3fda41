"""The learned classifier: answering on NumPy agrees with scikit-learn, training is deterministic,
and the cache gives back the same model."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from bot import classifier
from bot.classifier import features, fingerprint, load, save, train, trained

EXAMPLES = [
    ("do i have to talk at my first meeting", "talk"),
    ("will they make me speak", "talk"),
    ("can i just listen", "talk"),
    ("how much does it cost", "cost"),
    ("is it free", "cost"),
    ("do i need money to go", "cost"),
    ("is what i say kept private", "privacy"),
    ("will people tell others what i shared", "privacy"),
    ("is it confidential", "privacy"),
]
TEXTS = ["do i hafta say anything", "is it fre", "wil ppl tell my boss", "", "🙂", "Café CAN'T"]


def test_answering_agrees_with_scikit_learn() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    model = train(EXAMPLES)
    vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True)
    matrix = vectorizer.fit_transform([t for t, _ in EXAMPLES])
    reference = LogisticRegression(C=20.0, max_iter=2_000, class_weight="balanced")
    reference.fit(matrix, [label for _, label in EXAMPLES])
    expected = reference.predict_proba(vectorizer.transform(TEXTS))
    ours = np.array([model.probabilities(text) for text in TEXTS])
    assert list(model.labels) == list(reference.classes_)
    np.testing.assert_allclose(ours, expected, atol=1e-5)


def test_a_typo_still_finds_its_label() -> None:
    model = train(EXAMPLES)
    assert model.ranked("how much dose it cots")[0][0] == "cost"
    assert model.ranked("do i hav to tlak")[0][0] == "talk"


def test_training_is_deterministic_and_the_cache_returns_the_same_model(tmp_path: Path) -> None:
    first = trained(EXAMPLES, tmp_path)
    (cached,) = tmp_path.glob("model-*.npz")
    again = trained(EXAMPLES, tmp_path)
    fresh = train(EXAMPLES)
    for text in TEXTS:
        np.testing.assert_allclose(first.probabilities(text), again.probabilities(text))
        np.testing.assert_allclose(first.probabilities(text), fresh.probabilities(text), atol=1e-7)
    assert cached.name == f"model-{fingerprint(EXAMPLES, strength=20.0)}.npz"


def test_changed_examples_train_a_new_model_and_a_damaged_cache_is_rebuilt(tmp_path: Path) -> None:
    trained(EXAMPLES, tmp_path)
    trained([*EXAMPLES, ("what does it cost to join", "cost")], tmp_path)
    assert len(list(tmp_path.glob("model-*.npz"))) == 2
    for path in tmp_path.glob("model-*.npz"):
        path.write_bytes(b"not a model")
    model = trained(EXAMPLES, tmp_path)
    assert model.ranked("is it free")[0][0] == "cost"
    assert load(next(tmp_path.glob("model-*.npz"))).labels == model.labels


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    model = train(EXAMPLES)
    save(model, tmp_path / "m.npz")
    loaded = load(tmp_path / "m.npz")
    assert loaded.vocabulary == model.vocabulary
    np.testing.assert_allclose(
        loaded.probabilities("is it free"), model.probabilities("is it free")
    )


def test_one_label_is_not_a_classifier() -> None:
    with pytest.raises(ValueError, match="two labels"):
        train([("a b c", "x"), ("d e f", "x")])


def test_two_labels_work_too() -> None:
    model = train([("is it free", "cost"), ("costs money", "cost"), ("can i listen", "talk")])
    assert model.ranked("is it free")[0][0] == "cost"
    assert abs(sum(model.probabilities("anything")) - 1.0) < 1e-9


def test_cross_validation_never_scores_an_example_with_a_model_that_saw_it(monkeypatch) -> None:
    """check-content's scores are honest only if each held-out example was unseen: every example
    is held out exactly once, by a model trained on the base and the other folds only."""
    from bot import models

    trained_on: list[list[tuple[str, str]]] = []

    def recording(pairs):
        trained_on.append(list(pairs))
        return len(trained_on) - 1  # which training this "model" is

    monkeypatch.setattr(models, "train", recording)
    examples = [
        (f"question {i} about {'cost' if i % 2 else 'talking'}", str(i % 2)) for i in range(23)
    ]
    base = [("is it free", "1"), ("do i have to speak", "0")]
    held_out: list[int] = []
    for model, fold in models.cross_validation(base, examples):
        pairs = trained_on[model]
        assert set(base) <= set(pairs)
        assert not {examples[i] for i in fold} & set(pairs)
        assert len(pairs) == len(base) + len(examples) - len(fold)
        held_out.extend(fold)
    assert sorted(held_out) == list(range(23)) and len(trained_on) == 5
    assert models.folds(23) == models.folds(23)  # the same deal every run


def test_processes_sharing_a_cache_train_each_model_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two instances (or test workers) starting at once: one trains, the other waits and reads."""
    real_train = classifier.train
    entered = threading.Event()
    calls: list[int] = []

    def slow_train(examples, *, strength: float = 20.0):
        calls.append(1)
        if len(calls) == 1:
            # Long enough for the other to arrive: without the lock it would train too.
            entered.wait(timeout=0.3)
        else:
            entered.set()
        return real_train(examples, strength=strength)

    monkeypatch.setattr(classifier, "train", slow_train)
    with ThreadPoolExecutor(2) as pool:
        models = list(pool.map(lambda _: classifier.trained(EXAMPLES, tmp_path), range(2)))
    assert len(calls) == 1
    text = EXAMPLES[0][0]
    np.testing.assert_allclose(models[0].probabilities(text), models[1].probabilities(text))
