"""The Usage commands of examples 02 (composition) and 03 (typed groups) run as documented."""

from __future__ import annotations

from pathlib import Path

from test_examples_main import run_usage

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_compose_usage() -> None:
    """02_compose: the defaults list picks adam, optim=sgd swaps the group file, --configs layers
    a file, and an unknown option exits 2 listing the available ones."""
    plain, sgd, long_run, bad = run_usage(EXAMPLES / "02_compose" / "train.py")
    assert plain.returncode == 0
    assert plain.stdout == "epochs=10 batch_size=32 optim=adam lr=0.001 momentum=0.0\n"
    assert sgd.stdout == "epochs=10 batch_size=32 optim=sgd lr=0.1 momentum=0.9\n"
    assert long_run.stdout == "epochs=300 batch_size=64 optim=adam lr=0.0005 momentum=0.0\n"
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.startswith(
        "argv[0] 'optim=rmsprop': group 'optim' has no option 'rmsprop'; available: adam, sgd"
    )
    assert "Traceback" not in bad.stderr


def test_typed_groups_usage() -> None:
    """03_typed_groups: optim=sgd selects the union member; a key of the other member is an
    unknown key located at its argument."""
    plain, sgd, bad = run_usage(EXAMPLES / "03_typed_groups" / "train.py")
    assert plain.stdout == "epochs=10 optim=Adam(name='adam', lr=0.001, betas=(0.9, 0.999))\n"
    assert sgd.stdout == "epochs=10 optim=SGD(name='sgd', lr=0.1, momentum=0.8)\n"
    assert bad.returncode == 2
    assert bad.stderr == "argv[1] 'optim.momentum=0.8': unknown key 'optim.momentum'\n"
