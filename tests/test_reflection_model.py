"""The reflection model: its weights file, the reflects/accepted split, and a held-out check on AnnoMI."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

from facilitator import reflection, reflection_model
from facilitator.reflection import Kind, judge

TRAIN_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "train_reflection_model.py"
SHARE = "When you went quiet after dinner and stayed on your phone, I felt really alone."


def _train_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("train_reflection_model", TRAIN_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_weights_round_trip_and_hashing_is_stable() -> None:
    weights = [0.0] * reflection_model.BUCKETS
    weights[reflection_model.bucket("w:you felt")] = 2.0
    model = reflection_model.decode(reflection_model.encode(weights, -1.0, {"note": "test"}))
    assert reflection_model.bucket("w:you felt") == 35200  # CRC-32, the same on every machine and run
    assert model.logit(["w:you felt", "w:you felt"]) == 1.0  # one distinct bucket: -1 + 2 / sqrt(1)
    assert model.logit([]) == -1.0
    assert 0.7 < model.probability(["w:you felt"]) < 0.75


def test_shipped_model_loads_and_says_what_it_was_trained_on() -> None:
    model = reflection_model.load()
    assert len(model.weights) == reflection_model.BUCKETS
    assert any(model.weights)
    text = (Path(reflection.__file__).parents[1] / "data" / reflection_model.WEIGHTS_FILE).read_text()
    assert "annomi-dev.csv: all" in text


def test_content_only_reflection_reflects_but_the_couple_rule_asks_for_feelings() -> None:
    content = judge(SHARE, "So you noticed I went quiet after dinner and stayed on my phone.")
    assert not content.accepted and content.kind is Kind.MISSING_FEELINGS and content.reflects
    full = judge(SHARE, "You felt really alone when I went quiet after dinner and stayed on my phone.")
    assert full.accepted and full.reflects
    rebuttal = judge(SHARE, "I hear you, but I had a long day and needed some quiet.")
    assert not rebuttal.accepted and not rebuttal.reflects
    question = judge(SHARE, "What were you doing while I was on my phone?")
    assert not question.accepted and not question.reflects


def test_held_out_transcripts_are_told_apart(shared_data: Path) -> None:
    """Train on half the transcripts, judge the other half: an honest floor (the bench gives the figures)."""
    train = _train_script()
    pairs = train.annomi_pairs(shared_data / "reflections" / "annomi-dev.csv", extra=True)
    transcripts = sorted({pair.transcript for pair in pairs})
    random.Random(1).shuffle(transcripts)
    held = set(transcripts[: len(transcripts) // 2])
    fit_on = [pair for pair in pairs if pair.transcript not in held]
    model = train.fit(train.design(fit_on), train.labels(fit_on))
    hits = said = accepted_hits = accepted = gold = 0
    for pair in pairs:
        if pair.transcript in held and pair.after_client:
            verdict = reflection.judge_with(model, pair.share, pair.response)
            gold += pair.behaviour == "reflection"
            said += verdict.reflects
            hits += verdict.reflects and pair.behaviour == "reflection"
            accepted += verdict.accepted
            accepted_hits += verdict.accepted and pair.behaviour == "reflection"
    assert gold > 300
    # Pooled 10-fold figures (scripts/bench_reflection.py): reads as a reflection about 0.78 / 0.81;
    # accepted under the couple's rules about 0.57 / 0.83. Half the data for training gives a bit less.
    assert hits / gold >= 0.70 and hits / said >= 0.70
    assert accepted_hits / gold >= 0.55 and accepted_hits / accepted >= 0.70


def test_shipped_weights_are_what_the_training_script_makes(shared_data: Path) -> None:
    train = _train_script()
    pairs = train.annomi_pairs(shared_data / "reflections" / "annomi-dev.csv", extra=True)
    x = train.design(pairs)
    refit = train.fit(x, train.labels(pairs))
    shipped = reflection_model.load()
    rows = x[:200]
    assert np.allclose(rows @ np.array(refit.weights) + refit.bias,
                       rows @ np.array(shipped.weights) + shipped.bias, atol=1e-2)
