"""A Ctrl-C that lands while a study records the trials a batch ended (typedcfg.sweeps.study).

The sweep has already shown those trials as finished, so each one is told to the study (Optuna,
on SQLite) before the sweep stops: a resumed study must not run a finished trial again. The
batches here come from an in-process launcher that returns what a launcher returns; the study,
its sampler and its storage are Optuna's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import optuna

from typedcfg.sweeps.jobs import JobResult, JobSpec, Outcome
from typedcfg.sweeps.samplers import read_space
from typedcfg.sweeps.study import StudySettings, TrialEnd, run_study


def test_a_ctrl_c_while_telling_keeps_every_finished_trial(tmp_path: Path) -> None:
    """Ctrl-C as the first of two finished trials is told: both are COMPLETE in the storage,
    none is asked again, and the sweep stops after that batch."""
    storage = f"sqlite:///{tmp_path / 'sweeps.db'}"
    settings = StudySettings(
        sampler="RandomSampler", sampler_args={"seed": 0}, trials=4, study="s",
        storage=storage, batch=2,
    )  # fmt: skip
    space = read_space(["lr=interval(0.001, 0.1)"])
    batches: list[list[int]] = []

    def spec_of(number: int, label: str, tokens: Sequence[str], info: Mapping[str, Any]) -> JobSpec:
        return JobSpec(number, label, ("true",), tuple(tokens), str(tmp_path), info)

    def run_batch(specs: Sequence[JobSpec]) -> Outcome:
        batches.append([s.index for s in specs])
        return Outcome(
            tuple(JobResult(s.index, s.label, "finished", value=float(s.index)) for s in specs),
            False,
        )

    told: list[int] = []

    def on_trial(end: TrialEnd) -> None:
        told.append(end.result.index)
        if len(told) == 1:
            raise KeyboardInterrupt  # the user's Ctrl-C, as the first end is being recorded

    outcome = run_study(
        space, settings, spec_of=spec_of, check=lambda tokens: None, run_batch=run_batch,
        new_id=lambda: "abcdefgh", on_open=lambda *_: None, on_trial=on_trial,
    )  # fmt: skip
    assert batches == [[0, 1]]
    assert outcome.interrupted and outcome.stopped == ()
    assert [e.result.index for e in outcome.ended] == [0, 1]
    study = optuna.load_study(study_name="s", storage=storage)
    assert [(t.number, t.state.name, t.value) for t in study.trials] == [
        (0, "COMPLETE", 0.0),
        (1, "COMPLETE", 1.0),
    ]
