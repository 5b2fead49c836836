"""typedcfg.sweeps.grammar: --multirun flags, Hydra's sweep grammar expanded into jobs, globs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, Field

from typedcfg.errors import OverrideError
from typedcfg.sweeps.grammar import SweepOptions, expand, group_options, take_sweep_flags


def no_groups(group: str) -> list[str]:
    """A glob resolver for sweeps that have no config groups."""
    return []


class Adam(BaseModel):
    name: Literal["adam"] = "adam"
    lr: float = 0.001


class SGD(BaseModel):
    name: Literal["sgd"] = "sgd"
    lr: float = 0.1


class Config(BaseModel):
    optim: Annotated[Adam | SGD, Field(discriminator="name")] = Adam()
    batch_size: int = 32


# --- flags ------------------------------------------------------------------------------------


def test_without_multirun_launcher_flags_stay_overrides() -> None:
    """Without --multirun, '--jobs 4' is a '--key value' override like any other."""
    flags = take_sweep_flags(["--jobs", "4", "a=1"])
    assert (flags.multirun, flags.tokens, flags.options) == (
        False,
        ("--jobs", "4", "a=1"),
        SweepOptions(),
    )


def test_multirun_takes_its_flags_and_keeps_positions() -> None:
    """-m and the launcher flags leave; each kept token remembers where it was typed."""
    flags = take_sweep_flags(
        ["a=1,2", "-m", "--launcher", "ray", "--jobs=3", "b=x", "--cpus-per-job", "0.5",
         "--gpus-per-job=1", "--ray-address", "auto", "--", "--jobs"]
    )  # fmt: skip
    assert flags.multirun
    assert flags.tokens == ("a=1,2", "b=x", "--", "--jobs")
    assert flags.positions == (0, 5, 11, 12)
    assert flags.options == SweepOptions("ray", 3, "auto", 0.5, 1.0)


def test_output_flags_are_taken_with_multirun_only() -> None:
    """--quiet-jobs and --logs DIR are sweep flags with -m; '-m' right after --quiet-jobs is
    the flag; without -m they are left for the override grammar."""
    flags = take_sweep_flags(["--quiet-jobs", "-m", "a=1,2", "--logs", "out/logs"])
    assert (flags.multirun, flags.tokens, flags.positions) == (True, ("a=1,2",), (2,))
    assert flags.options == SweepOptions(quiet_jobs=True, logs="out/logs")
    assert take_sweep_flags(["-m", "--logs=x"]).options.logs == "x"
    plain = take_sweep_flags(["--quiet-jobs", "--logs", "x"])
    assert (plain.multirun, plain.tokens) == (False, ("--quiet-jobs", "--logs", "x"))


def test_multirun_after_double_dash_is_an_override() -> None:
    """After '--', '-m' is not the flag: it is left for the override grammar."""
    assert take_sweep_flags(["--", "-m"]).multirun is False


def test_dash_m_after_a_bare_key_is_its_value() -> None:
    """'--name -m' is wandb's agent format for name='-m'; after '--jobs 2' -m is the flag."""
    assert take_sweep_flags(["--name", "-m"]).multirun is False
    assert take_sweep_flags(["--name=x", "-m"]).multirun is True
    flags = take_sweep_flags(["--multirun", "--jobs", "2", "-m", "a=1,2"])
    assert (flags.tokens, flags.options.jobs) == (("a=1,2",), 2)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["-m", "--launcher", "pbs"],
            "argv[1] '--launcher pbs': unknown launcher 'pbs'; the launchers are local, ray, slurm",
        ),
        (["-m", "--jobs=0"], "argv[1] '--jobs=0': expected a whole number >= 1, got '0'"),
        (["-m", "--jobs", "two"], "argv[1] '--jobs two': expected a whole number >= 1, got 'two'"),
        (
            ["-m", "--gpus-per-job=-1"],
            "argv[1] '--gpus-per-job=-1': expected a number >= 0, got '-1'",
        ),
        (["-m", "--launcher"], "argv[1] '--launcher': --launcher needs a value"),
        (["-m", "--logs"], "argv[1] '--logs': --logs needs a value"),
        (["-m", "--quiet-jobs=yes"], "argv[1] '--quiet-jobs=yes': --quiet-jobs takes no value"),
    ],
    ids=[
        "unknown-launcher", "zero-jobs", "jobs-word", "negative-gpus", "no-value", "no-logs",
        "quiet-value",
    ],
)
def test_bad_launcher_flags_are_located(argv: list[str], message: str) -> None:
    """A bad launcher flag is an OverrideError at the argument that holds it."""
    with pytest.raises(OverrideError) as info:
        take_sweep_flags(argv)
    assert str(info.value) == message


# --- expansion --------------------------------------------------------------------------------


def test_cartesian_product_in_hydras_order() -> None:
    """Comma list x range(): first sweep slowest; each value replaces its token in place."""
    jobs = expand(["optim.lr=0.1,0.01", "--configs", "a.yaml", "bs=range(32,97,32)"], no_groups)
    assert [job.overrides for job in jobs] == [
        ("optim.lr=0.1", "bs=32"),
        ("optim.lr=0.1", "bs=64"),
        ("optim.lr=0.1", "bs=96"),
        ("optim.lr=0.01", "bs=32"),
        ("optim.lr=0.01", "bs=64"),
        ("optim.lr=0.01", "bs=96"),
    ]
    assert jobs[4].tokens == ("optim.lr=0.01", "--configs", "a.yaml", "bs=64")
    assert jobs[4].params == {"optim.lr": "0.01", "bs": "64"}
    assert jobs[4].label == "optim.lr=0.01 bs=64"
    assert [job.index for job in jobs] == list(range(6))


def test_choice_sort_float_range_and_prefixes() -> None:
    """choice(), sort(), float ranges and +key sweeps give the values hydra-core lists."""
    jobs = expand(["+tag=choice(a,'b c')", "n=sort(3,1,2)", "lr=range(0,1,0.5)"], no_groups)
    assert [job.label for job in jobs][:3] == [
        "+tag=a n=1 lr=0.0",
        "+tag=a n=1 lr=0.5",
        "+tag=a n=2 lr=0.0",
    ]
    assert jobs[-1].label == "+tag=b\\ c n=3 lr=0.5"
    assert jobs[-1].params == {"tag": "b\\ c", "n": "3", "lr": "0.5"}
    assert len(jobs) == 12


def test_no_sweep_is_one_job_and_quoted_commas_are_values() -> None:
    """Plain tokens, a quoted comma and --key=a,b (the agent format) are not sweeps."""
    tokens = ["name='a,b'", "--tags=x,y", "x=1", '{"a": [1, 2]}']
    jobs = expand(tokens, no_groups)
    assert [(job.tokens, job.overrides, job.label) for job in jobs] == [
        (tuple(tokens), (), "(no sweep)")
    ]


def test_plain_tokens_do_not_import_hydra() -> None:
    """Expanding a command line without sweep syntax never loads hydra-core."""
    code = (
        "import sys; from typedcfg.sweeps.grammar import expand, take_sweep_flags\n"
        "flags = take_sweep_flags(['-m', 'a=1', 'b=x', '--jobs', '2'])\n"
        "assert len(expand(flags.tokens, lambda g: [])) == 1\n"
        "print(sorted(m for m in sys.modules if m.startswith('hydra')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, "[]\n", "")


def test_interval_says_a_sampler_is_needed() -> None:
    """interval() has no list of values: a located OverrideError that names a sampler."""
    with pytest.raises(OverrideError) as info:
        expand(["a=1", "optim.lr=interval(0.0001,0.1)"], no_groups)
    assert str(info.value) == (
        "argv[1] 'optim.lr=interval(0.0001,0.1)': interval() is a range to sample from, and a "
        "grid sweep cannot list its values: sampling optim.lr needs a sampler (Optuna, a wandb "
        "sweep)\n  hint: sample it with --sweeper optuna --trials N, list the values "
        "(optim.lr=0.1,0.01) or step through them (optim.lr=range(1,10,2))"
    )


def test_empty_range_is_an_error() -> None:
    """range() with no values would silently run nothing: it is an error instead."""
    with pytest.raises(OverrideError) as info:
        expand(["bs=range(5,5)"], no_groups)
    assert str(info.value) == "argv[0] 'bs=range(5,5)': the sweep over bs has no values"


def test_unparsable_sweep_token_is_left_for_composition() -> None:
    """A token hydra cannot parse stays as typed; composing the job reports it, located."""
    jobs = expand(["a=f(1,", "b=1,2"], no_groups)
    assert [job.tokens for job in jobs] == [("a=f(1,", "b=1"), ("a=f(1,", "b=2")]


# --- glob -------------------------------------------------------------------------------------


def test_glob_over_config_dir_and_typed_group(tmp_path: Path) -> None:
    """glob() lists a group's YAML options and a typed group's members, filtered by pattern."""
    for name in ("adam", "adamw", "lamb"):
        (tmp_path / "conf" / "optim").mkdir(parents=True, exist_ok=True)
        (tmp_path / "conf" / "optim" / f"{name}.yaml").write_text("lr: 0.1\n")
    options = group_options(Config, "optim", config_dir=tmp_path / "conf", defaults=None)
    assert options == ["adam", "adamw", "lamb", "sgd"]
    typed = group_options(Config, "optim", config_dir=None, defaults=None)
    assert typed == ["adam", "sgd"]
    jobs = expand(["optim=glob(*,exclude=lamb)"], lambda g: options)
    assert [job.label for job in jobs] == ["optim=adam", "optim=adamw", "optim=sgd"]
    assert [job.label for job in expand(["optim=glob(ada*)"], lambda g: options)] == [
        "optim=adam",
        "optim=adamw",
    ]


def test_glob_matching_nothing_lists_the_options() -> None:
    """A glob with no match is an error that shows what the group offers."""
    with pytest.raises(OverrideError) as info:
        expand(["optim=glob(rms*)"], lambda g: ["adam", "sgd"])
    assert str(info.value) == (
        "argv[0] 'optim=glob(rms*)': glob matches no option of group 'optim' (options: adam, sgd)"
    )
    with pytest.raises(OverrideError) as info:
        expand(["batch_size=glob(*)"], no_groups)
    assert str(info.value) == (
        "argv[0] 'batch_size=glob(*)': glob matches no option of group 'batch_size' "
        "(options: (none: not a config group))"
    )
