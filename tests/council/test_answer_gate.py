"""The learned "not found" gate of council answers (portal/council/gate.py, fitted by
bench/fit_answer_gate.py): its constants load, it reads the features ask() computes, an answer it
declines becomes "not found" (with the closest passages and how it was decided), and an answer
it accepts keeps its quotes, on both databases."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from portal.council import gate
from portal.council.answer import ask
from portal.db import session_scope

ROOT = Path(__file__).resolve().parents[2]
ANSWERABLE = "Combien coûte la rénovation de la piscine ?"
# The demo's minutes never speak of a médiathèque: the rules answer with the Sunday opening of
# shops ("dimanche" and a date are found).
UNANSWERABLE = "Quand la médiathèque est-elle ouverte le dimanche ?"


def test_the_gate_constants_load() -> None:
    """A fitted model: features with their scaling, a threshold between 0 and 1, fitted on dev
    halves only, and the command that regenerates it."""
    assert gate.FEATURES and all(scale > 0 for _, scale, _ in gate.FEATURES.values())
    assert 0.0 < gate.THRESHOLD < 1.0
    assert gate.FITTED_ON and all(name.endswith(" dev") for name in gate.FITTED_ON)
    assert "bench.fit_answer_gate" in gate.COMMAND and gate.FITTED[:4].isdigit()
    means = {name: mean for name, (mean, _, _) in gate.FEATURES.items()}
    assert 0.0 < gate.probability(means) < 1.0
    assert gate.accepts(1.0) and not gate.accepts(0.0)


def test_the_fit_script_explains_itself() -> None:
    """`python -m bench.fit_answer_gate --help` runs and says it reads the dev halves only."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.fit_answer_gate", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "--write" in done.stdout and "dev halves only" in done.stdout.lower()


def test_the_gate_keeps_an_answer_and_declines_a_guess(
    engine: Engine, demo_minutes: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fitted gate keeps the answer to the piscine's cost (its quotes unchanged) and rates it
    above the rules' answer to a question the minutes never discuss; a threshold between the two
    turns the guess into "not found", said to be the gate's decision, with the closest passages
    and the declined quotes, while the answer stays."""
    with session_scope(engine, write=False) as session:
        kept = ask(session, ANSWERABLE, use_gate=True)
        assert kept.found and kept.decided_by == "quotes"
        assert "14,2 millions d'euros" in kept.quotes[0].text
        assert kept.gate_probability is not None and kept.gate_probability >= gate.THRESHOLD
        assert set(gate.FEATURES) <= set(kept.features)
        assert ask(session, ANSWERABLE).quotes == kept.quotes

        guess = ask(session, UNANSWERABLE, explain=True)
        assert guess.found and guess.gate_probability is not None
        assert guess.gate_probability < kept.gate_probability

        monkeypatch.setattr(gate, "THRESHOLD", (guess.gate_probability + kept.gate_probability) / 2)
        declined = ask(session, UNANSWERABLE, use_gate=True)
        assert not declined.found and declined.quotes == []
        assert declined.decided_by == "gate" and declined.declined == guess.quotes
        assert declined.maybe and declined.gate_probability == guess.gate_probability
        assert ask(session, ANSWERABLE, use_gate=True).found
        # the portal's own answers are the rules' (no gate, no features computed)
        plain = ask(session, UNANSWERABLE)
        assert plain.found and plain.features == {} and plain.gate_probability is None


def test_the_rules_say_when_they_decided(engine: Engine, demo_minutes: None) -> None:
    """A question the minutes never discuss is not found by the rules, before the gate."""
    with session_scope(engine, write=False) as session:
        answer = ask(session, "Quel temps fera-t-il demain à Marseille ?", use_gate=True)
    assert not answer.found and answer.decided_by == "rules" and answer.gate_probability is None
