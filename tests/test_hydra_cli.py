"""``typedcfg infer`` and ``typedcfg check`` over a Hydra config tree (``--config-name``).

The Lightning-Hydra template (``tests/corpus/hydra-template/configs``) is the real tree: its
inferred schema must validate every option of every group, and a broken copy of one option
must fail at that option's file:line:col.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from typedcfg.app.cli import load_schema
from typedcfg.tools.hydra_tree import check_tree, infer_tree, tree_variants

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "tests" / "corpus" / "hydra-template" / "configs"
# How messages show the tree to a command run from the repository root (relative to it).
SHOWN = "tests/corpus/hydra-template/configs"
# What the template reads from the environment and from Hydra's run directory.
TEMPLATE_ENV = {"PROJECT_ROOT": "/data/project", "COMET_API_TOKEN": "c", "NEPTUNE_API_TOKEN": "n"}
RUN_DIR = "paths.output_dir=outputs/run1"
TOKENS = ("PROJECT_ROOT", "COMET_API_TOKEN", "NEPTUNE_API_TOKEN")


def run(
    *args: str, cwd: Path = REPO, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m typedcfg ARGS`` with the template's variables set (or none of them)."""
    base = {k: v for k, v in os.environ.items() if k not in TOKENS}
    return subprocess.run(
        [sys.executable, "-m", "typedcfg", *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def template_schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template's schema as ``typedcfg infer`` writes it."""
    out = tmp_path_factory.mktemp("schema") / "train_schema.py"
    result = run(
        "infer", "--config-dir", str(TEMPLATE), "--config-name", "train", RUN_DIR,
        "--name", "TrainConfig", "-o", str(out), env=TEMPLATE_ENV,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"wrote {out}\n"
    return out


def test_every_group_option_of_the_template_is_a_variant() -> None:
    """The primary as written, then each option of each group the defaults list selects."""
    labels = [v.label for v in tree_variants(str(TEMPLATE), "train")]
    assert labels[0] == "train"
    options = {
        p.parent.name + "=" + p.stem
        for p in TEMPLATE.glob("*/*.yaml")
        if p.parent.name != "hydra"  # Hydra's own settings are not user config
    }
    assert sorted(label.split(" ", 1)[1] for label in labels[1:]) == sorted(options)


def test_inferred_template_schema_has_the_documented_shapes(template_schema: Path) -> None:
    """Keys some options add are optional; a group null in the primary is optional."""
    text = template_schema.read_text(encoding="utf-8")
    assert text.startswith(
        f'"""Schema inferred by typedcfg.\n\nFrom {TEMPLATE}/train.yaml, composed 32 times\n'
    )
    assert "    detect_anomaly: bool | None = None\n" in text  # only debug options set it
    assert "    logger: Logger | None = None\n" in text  # 'logger: null' in train.yaml
    assert "    optimized_metric: str | None = None\n" in text  # hparams_search adds it
    assert '    target_: str = Field(alias="_target_")\n    default_root_dir: str\n' in text
    # Every trainer option has the same _target_: one model, not a union.
    assert "Annotated" not in text


def mandatory_monitor(tree: str) -> str:
    """The one problem of the template itself: ``callbacks=early_stopping`` alone leaves
    ``monitor: ???`` (``callbacks=default`` sets it)."""
    return (
        f"{tree}/callbacks/early_stopping.yaml:5:12: missing mandatory value: "
        "'callbacks.early_stopping.monitor' is still '???'\n"
        "  hint: give it a value, for example on the command line: "
        "callbacks.early_stopping.monitor=...\n"
        "  in: train callbacks=early_stopping\n"
    )


def test_inferred_template_schema_validates_every_option(template_schema: Path) -> None:
    """infer -> module -> check --all-options: every composition of the template fits the
    inferred schema; the one failure is a mandatory value the template leaves unset."""
    result = run(
        "check", "--schema", f"{template_schema}:TrainConfig", "--config-dir", str(TEMPLATE),
        "--config-name", "train", "--all-options", "--verbose", RUN_DIR, env=TEMPLATE_ENV,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout == mandatory_monitor(SHOWN)
    lines = result.stderr.splitlines()
    assert lines[-1] == "typedcfg check: 1 problem in 1 of 32 compositions of train"
    assert "FAILED  train callbacks=early_stopping" in lines
    assert sum(line.startswith("ok      train") for line in lines) == 31
    assert "ok      train experiment=example" in lines
    assert "ok      train logger=many_loggers" in lines


def test_a_broken_option_fails_at_its_file_line_col(template_schema: Path, tmp_path: Path) -> None:
    """A copy of the tree with one bad value: exit 1, the value's location, the composition."""
    tree = tmp_path / "configs"
    shutil.copytree(TEMPLATE, tree)
    gpu = tree / "trainer" / "gpu.yaml"
    gpu.write_text(gpu.read_text().replace("devices: 1", "devices: one"), encoding="utf-8")
    result = run(
        "check", "--schema", f"{template_schema}:TrainConfig", "--config-dir", "configs",
        "--config-name", "train", "--all-options", RUN_DIR, cwd=tmp_path, env=TEMPLATE_ENV,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stdout == mandatory_monitor("configs") + (
        "configs/trainer/gpu.yaml:5:10: trainer.devices: Input should be a valid integer, "
        "unable to parse string as an integer (got 'one')\n"
        "  in: train trainer=gpu\n"
    )
    assert result.stderr == "typedcfg check: 2 problems in 2 of 32 compositions of train\n"


def test_a_problem_in_a_shared_file_is_reported_once(template_schema: Path, tmp_path: Path) -> None:
    """A bad value every composition reads: one line, naming where it occurs; GitHub format."""
    tree = tmp_path / "configs"
    shutil.copytree(TEMPLATE, tree)
    data = tree / "data" / "mnist.yaml"
    data.write_text(data.read_text().replace("batch_size: 128", "batch_size: big"), "utf-8")
    result = run(
        "check", "--schema", f"{template_schema}:TrainConfig", "--config-dir", "configs",
        "--config-name", "train", "--all-options", "--format", "github", RUN_DIR,
        cwd=tmp_path, env=TEMPLATE_ENV,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "::error file=configs/data/mnist.yaml,line=3,col=13,title=typedcfg check::"
        "data.batch_size: Input should be a valid integer, unable to parse string as an integer "
        "(got 'big') (in: train, train callbacks=default, train callbacks=early_stopping and "
        "28 more)",
        "::error file=configs/callbacks/early_stopping.yaml,line=5,col=12,title=typedcfg check::"
        "missing mandatory value: 'callbacks.early_stopping.monitor' is still '???'%0A  hint: "
        "give it a value, for example on the command line: callbacks.early_stopping.monitor=... "
        "(in: train callbacks=early_stopping)",
    ]
    assert result.stderr == "typedcfg check: 2 problems in 31 of 32 compositions of train\n"


def test_check_without_all_options_composes_once(template_schema: Path) -> None:
    """--config-name alone checks the one composition the overrides give."""
    result = run(
        "check", "--schema", f"{template_schema}:TrainConfig", "--config-dir", str(TEMPLATE),
        "--config-name", "train", "logger=comet", RUN_DIR,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stdout == (
        f"{SHOWN}/logger/comet.yaml:5:12: logger.comet.api_key: cannot resolve "
        'interpolation: KeyError raised while resolving interpolation: "Environment variable '
        "'COMET_API_TOKEN' not found\"\n"
        "  in: train\n"
    )
    assert result.stderr == "typedcfg check: 1 problem in 1 of 1 composition of train\n"


def test_infer_notes_values_it_cannot_type() -> None:
    """Without the environment, interpolations that fail are left as Any, with a located note."""
    result = run("infer", "--config-dir", str(TEMPLATE), "--config-name", "train", RUN_DIR)
    assert result.returncode == 0, result.stderr
    assert (
        f"note: {SHOWN}/paths/default.yaml:4:11: paths.root_dir: left untyped (Any): cannot "
        'resolve interpolation: KeyError raised while resolving interpolation: "Environment '
        "variable 'PROJECT_ROOT' not found\"\n"
    ) in result.stderr
    assert "class Paths(BaseModel):\n    root_dir: Any\n" in result.stdout


GENERATED = {
    "conf/train.yaml": """
        defaults:
          - model: resnet
          - optim: adam
          - _self_
        seed: 1
    """,
    "conf/model/resnet.yaml": "_target_: nets.ResNet\ndepth: 18\n",
    "conf/model/vit.yaml": """
        defaults:
          - net: small
        _target_: nets.ViT
        patch: 16
    """,
    "conf/model/net/small.yaml": "width: 8\n",
    "conf/model/net/large.yaml": "width: 64\nheads: 4\n",
    "conf/optim/adam.yaml": "lr: 0.001\n",
    "conf/optim/sgd.yaml": "lr: 0.1\nmomentum: 0.9\n",
    "conf/experiment/long.yaml": """
        # @package _global_
        defaults:
          - override /optim: sgd
        optim:
          lr: 0.5
        epochs: 100
    """,
}


def test_generated_tree_union_nested_groups_and_added_groups(tmp_path: Path) -> None:
    """Distinct _target_s give a union; nested groups and +group options are composed too."""
    write_tree(tmp_path, GENERATED)
    labels = [v.label for v in tree_variants(str(tmp_path / "conf"), "train")]
    assert labels == [
        "train",
        "train model=resnet",
        "train model=vit",
        "train optim=adam",
        "train optim=sgd",
        "train +experiment=long",  # no defaults list selects 'experiment'
        "train model=vit model/net=large",  # the nested group that model=vit brings in
        "train model=vit model/net=small",
    ]
    result = run("infer", "--config-dir", "conf", "--config-name", "train", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    source = result.stdout
    assert '    model: Annotated[ModelResnet | ModelVit, Field(discriminator="target_")]\n' in (
        source
    )
    assert "class ModelResnet(BaseModel):\n" in source
    assert "class Net(BaseModel):\n    width: int\n    heads: int | None = None\n" in source
    assert "    net: Net\n" in source  # in ModelVit: every ViT composition has it
    assert "    epochs: int | None = None\n" in source
    (tmp_path / "schema.py").write_text(source, encoding="utf-8")
    check = run(
        "check", "--schema", "schema.py:Config", "--config-dir", "conf", "--config-name",
        "train", "--all-options", cwd=tmp_path,
    )  # fmt: skip
    assert (check.returncode, check.stdout) == (0, "")
    assert check.stderr == "typedcfg check: 8 compositions of train OK\n"
    vit = tmp_path / "conf/model/vit.yaml"
    vit.write_text(vit.read_text().replace("patch: 16", "patch: 1.5"), "utf-8")
    broken = run(
        "check", "--schema", "schema.py:Config", "--config-dir", "conf", "--config-name",
        "train", "--all-options", cwd=tmp_path,
    )  # fmt: skip
    assert broken.returncode == 1
    assert broken.stdout == (
        "conf/model/vit.yaml:4:8: model.patch: Input should be a valid integer, got a number "
        "with a fractional part (got 1.5)\n"
        "  in: train model=vit, train model=vit model/net=large, train model=vit model/net=small\n"
    )


SCHEMA = "from pydantic import BaseModel\n\n\nclass C(BaseModel):\n    seed: int\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["infer", "--config-name", "train"],
            "typedcfg infer: error: --config-name needs --config-dir (the root of the config "
            "tree)\n",
            id="infer-no-dir",
        ),
        pytest.param(
            ["infer", "--config-dir", "conf", "a.yaml"],
            "typedcfg infer: error: --config-dir needs --config-name (the primary config to "
            "compose)\n",
            id="infer-no-name",
        ),
        pytest.param(
            ["infer", "a.yaml", "b.yaml"],
            "typedcfg infer: error: give one FILE, or --config-dir DIR --config-name NAME "
            "[OVERRIDE ...]\n",
            id="infer-two-files",
        ),
        pytest.param(
            ["check", "--schema", "s.py:C", "--all-options", "a.yaml"],
            "typedcfg check: error: --all-options needs --config-name (and --config-dir)\n",
            id="check-all-options-alone",
        ),
        pytest.param(
            [
                "check",
                "--schema",
                "s.py:C",
                "--config-dir",
                "conf",
                "--config-name",
                "t",
                "--partial",
            ],
            "typedcfg check: error: --partial checks files; a composition is checked whole\n",
            id="check-partial",
        ),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    """Flags that do not go together: argparse's usage and message, exit status 2."""
    write_tree(tmp_path, {"conf/train.yaml": "seed: 1\n", "s.py": SCHEMA})
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: typedcfg ")
    assert result.stderr.endswith(message)


def test_missing_primary_config_is_a_located_error(tmp_path: Path) -> None:
    """An unknown --config-name: exit 2 naming the directory, for infer and check alike."""
    write_tree(tmp_path, {"conf/train.yaml": "seed: 1\n", "s.py": SCHEMA})
    for command in (["infer"], ["check", "--schema", "s.py:C"]):
        result = run(*command, "--config-dir", "conf", "--config-name", "trian", cwd=tmp_path)
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == "conf: primary config 'trian' not found in conf\n"


PACKAGED = {
    "conf/train.yaml": """
        defaults:
          - db: mysql
          - db@backup: pg
          - backbone: small
          - _self_
        seed: 1
    """,
    "conf/db/mysql.yaml": "driver: mysql\nport: 3306\n",
    "conf/db/pg.yaml": "driver: pg\nport: 5432\nssl: true\n",
    "conf/backbone/small.yaml": "# @package model.encoder\n_target_: enc.Small\nwidth: 8\n",
    "conf/backbone/big.yaml": "# @package model.encoder\n_target_: enc.Big\nwidth: 64\n",
}


def test_groups_are_typed_at_their_package(tmp_path: Path) -> None:
    """`db@backup` and `# @package model.encoder` options become unions where they land."""
    write_tree(tmp_path, PACKAGED)
    conf = str(tmp_path / "conf")
    labels = [v.label for v in tree_variants(conf, "train")]
    assert labels[1:] == [
        "train backbone=big",
        "train backbone=small",
        "train db=mysql",
        "train db=pg",
        "train db@backup=mysql",
        "train db@backup=pg",
    ]
    source, notes = infer_tree(conf, "train")
    assert notes == []
    assert '    db: Annotated[DbMysql | DbPg, Field(discriminator="driver")]\n' in source
    backup = '    backup: Annotated[BackupMysql | BackupPg, Field(discriminator="driver")]\n'
    assert backup in source
    assert "class Model(BaseModel):\n    encoder: Annotated[EncoderBig | EncoderSmall," in source
    (tmp_path / "packaged_schema.py").write_text(source, encoding="utf-8")
    schema = load_schema(f"{tmp_path / 'packaged_schema.py'}:Config")
    outcomes = check_tree(schema, conf, "train", all_options=True)
    assert [(o.variant.label, o.error) for o in outcomes] == [(label, None) for label in labels]


def test_infer_leaves_out_a_composition_that_fails(tmp_path: Path) -> None:
    """An option that cannot be composed is left out with a located note; the rest is typed."""
    write_tree(
        tmp_path,
        {
            "conf/train.yaml": "defaults:\n  - opt: a\n  - _self_\nseed: 1\n",
            "conf/opt/a.yaml": "lr: 0.1\n",
            "conf/opt/b.yaml": "defaults:\n  - missing\nlr: 0.2\n",
        },
    )
    result = run("infer", "--config-dir", "conf", "--config-name", "train", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        "note: conf/opt/b.yaml:2:5: defaults: config 'missing' not found\n  left out: train opt=b\n"
    )
    assert "From conf/train.yaml, composed 2 times\n" in result.stdout
    assert "class Opt(BaseModel):\n    lr: float\n" in result.stdout


# Generated trees: whatever the options hold, the inferred schema accepts every composition.
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([0.5, -1.25, "text", "x y", "${seed}"]),
)
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=2), st.dictionaries(st.sampled_from("pqr"), inner, max_size=2)
    ),
    max_leaves=4,
)
BODY = st.dictionaries(st.sampled_from(["k", "m", "n", "_target_"]), VALUE, max_size=3)


@st.composite
def trees(draw: st.DrawFn) -> dict[str, str]:
    """A primary config with two or three groups; a group's options may be `_global_`."""
    files: dict[str, str] = {}
    entries = []
    for group in draw(st.lists(st.sampled_from(["g", "h", "exp"]), min_size=1, unique=True)):
        options = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, unique=True))
        global_ = group == "exp"
        targeted = draw(st.booleans())  # every option names its class: a union candidate
        for option in options:
            body = draw(BODY)
            if targeted:
                body["_target_"] = f"cls.{group}.{option}"
            if global_:
                body = {"seed": draw(st.integers(0, 9)), "g": body}
            header = "# @package _global_\n" if global_ else ""
            files[f"conf/{group}/{option}.yaml"] = header + yaml.safe_dump(body, sort_keys=False)
        choice = draw(st.sampled_from([*options, None])) if global_ else options[0]
        entries.append({group: choice})
    primary = {"defaults": [*entries, "_self_"], "seed": 1}
    files["conf/train.yaml"] = yaml.safe_dump(primary, sort_keys=False)
    return files


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_inferred_schema_validates_every_composition_of_generated_trees(
    files: dict[str, str],
) -> None:
    """infer then check --all-options on random trees: no composition fails."""
    with tempfile.TemporaryDirectory() as folder:
        root = write_tree(Path(folder), files)
        conf = str(root / "conf")
        source, _notes = infer_tree(conf, "train")
        (root / "generated_schema.py").write_text(source, encoding="utf-8")
        schema = load_schema(f"{root / 'generated_schema.py'}:Config")
        failed = [
            f"{o.variant.label}: {o.error}"
            for o in check_tree(schema, conf, "train", all_options=True)
            if o.error is not None
        ]
        assert failed == [], source
