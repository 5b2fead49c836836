"""Interpolated choices in defaults lists compose as ``hydra.compose`` composes them.

Each row is a primary config over one small tree of groups, with command-line overrides, run
through ``hydra.compose`` (the live peer) and through typedcfg: the same tree, or both refuse.
Where Hydra refuses, the row also pins typedcfg's located message, so that no row passes on
a typedcfg that refuses every interpolated choice.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from peers import hydra_compose, same, typedcfg_compose

GROUPS = {
    "db/mysql.yaml": "driver: mysql\n",
    "db/postgresql.yaml": "driver: pg\n",
    "server/db/mysql.yaml": "port: 3306\n",
    "server/db/postgresql.yaml": "port: 5432\n",
    "a/x.yaml": "ax: 1\n",
    "a/y.yaml": "ay: 1\n",
    "a/nest.yaml": "defaults:\n  - sub/${db}\nan: 1\n",
    "a/sub/mysql.yaml": "asm: 1\n",
    "a/a/sub/mysql.yaml": "aasm: 1\n",
    "b/x.yaml": "bx: 1\n",
    "b/y.yaml": "by: 1\n",
    "c/x.yaml": "cx: 1\n",
    "c/y.yaml": "cy: 1\n",
    "ab/x_x.yaml": "abxx: 1\n",
    "ab/x_y.yaml": "abxy: 1\n",
    "ab/y_x.yaml": "abyx: 1\n",
    "ab/y_y.yaml": "abyy: 1\n",
    "ab/x_override.yaml": "# @package _global_\ndefaults:\n  - override /c: y\n",
    "cfg/mysql.yaml": "cfgm: 1\n",
    "cfg/postgresql.yaml": "cfgp: 1\n",
    "exp/pick_b.yaml": "# @package _global_\ndefaults:\n  - override /b: ${a}\n",
}

PRIMARY = {
    "server": "defaults:\n  - db: mysql\n  - server/db: ${db}\n  - _self_\n",
    "forward": "defaults:\n  - server/db: ${db}\n  - db: mysql\n",
    "two": "defaults:\n  - a: x\n  - b: x\n  - ab: ${a}_${b}\n",
    "chain": "defaults:\n  - a: x\n  - b: ${a}\n  - c: ${b}\n",
    "chain_forward": "defaults:\n  - c: ${b}\n  - b: ${a}\n  - a: x\n",
    "not_chosen": "defaults:\n  - a: x\n  - b: ${db}\n",
    "config_value": "defaults:\n  - a: x\n  - b: ${name}\nname: x\n",
    "config_key": "defaults:\n  - a: x\n  - b: ${a.ax}\n",
    "null_choice": "defaults:\n  - a: null\n  - b: ${a}\n",
    "package": "defaults:\n  - a@foo: x\n  - b@bar: ${a@foo}\n",
    "resolver": "defaults:\n  - a: ${oc.decode:'x'}\n",
    "resolver_int": "defaults:\n  - a: ${oc.decode:'1'}\n",
    "options_list": "defaults:\n  - a: x\n  - b: [x, '${a}']\n",
    "malformed": "defaults:\n  - a: x\n  - b: ${a\n",
    "legacy": "defaults:\n  - a: x\n  - b: ${defaults.0.a}\n",
    "legacy_inside": "defaults:\n  - a: x\n  - b: y_${defaults.0.a}\n",
    "relative": "defaults:\n  - a: x\n  - b: ${.a}\n",
    "config_name": "defaults:\n  - db: mysql\n  - cfg/${db}\n",
    "config_name_abs": "defaults:\n  - db: mysql\n  - /cfg/${db}@here\n",
    "config_name_nested": "defaults:\n  - a: nest\n  - db: mysql\n",
    "config_name_late": "defaults:\n  - db: mysql\n  - a: nest\n",
    "override_below": "defaults:\n  - a: x\n  - b: x\n  - c: x\n  - ab: ${a}_${b}\n",
    "with_exp": "defaults:\n  - a: x\n  - b: y\n  - exp: null\n",
    "plain": "defaults:\n  - a: x\n  - b: y\n",
}

# (primary, overrides, None when Hydra composes it, else the start of typedcfg's message after
# the location)
ROWS: list[tuple[str, tuple[str, ...], str | None]] = [
    ("server", (), None),
    ("server", ("db=postgresql",), None),
    ("server", ("~db",), "group 'server/db': cannot resolve '${db}': Interpolation key 'db'"),
    ("forward", (), None),
    ("forward", ("db=postgresql",), None),
    ("two", (), None),
    ("two", ("a=y", "b=y"), None),
    ("two", ("ab=${b}_${a}", "a=y"), None),
    ("two", ("ab=${b}",), "group 'ab' has no option 'x'"),
    ("two", ("~ab=y_x", "a=y"), None),
    ("chain", (), "group 'c': cannot resolve '${b}': Interpolation key 'b' not found"),
    ("chain_forward", (), "group 'c': cannot resolve '${b}': Interpolation key 'b' not found"),
    ("chain_forward", ("c=x",), None),
    ("not_chosen", (), "group 'b': cannot resolve '${db}': Interpolation key 'db' not found"),
    ("not_chosen", ("+db=mysql",), "group 'b' has no option 'mysql'"),
    ("config_value", (), "group 'b': cannot resolve '${name}': Interpolation key 'name'"),
    ("config_key", (), "group 'b': cannot resolve '${a.ax}'"),
    ("null_choice", (), "group 'b': '${a}' resolves to None, not a config name"),
    ("null_choice", ("a=x",), None),
    ("package", (), None),
    ("package", ("a@foo=y",), None),
    ("resolver", (), None),
    ("resolver_int", (), "group 'a': \"${oc.decode:'1'}\" resolves to 1, not a config name"),
    ("options_list", (), "group 'b': '${a}' is no option name"),
    ("malformed", (), "group 'b': cannot read '${a'"),
    ("legacy", (), "group 'b': '${defaults.0.a}' uses Hydra 1.0's ${defaults.N.group} form"),
    ("legacy_inside", (), "group 'b' has no option 'y_x'"),
    ("relative", (), "group 'b': cannot resolve '${.a}'"),
    ("config_name", (), None),
    ("config_name", ("db=postgresql",), None),
    ("config_name_abs", ("db=postgresql",), None),
    ("config_name_nested", (), None),
    ("config_name_late", (), "defaults: cannot resolve 'a/sub/${db}'"),
    ("override_below", ("ab=${b}_override", "b=x"),
     "'override /c' is not allowed here: this file is included by an interpolated choice"),
    ("with_exp", ("exp=pick_b",), None),
    ("with_exp", ("exp=pick_b", "a=y"), None),
    ("plain", ("b=${a}",), None),
    ("plain", ("+c=${a}",), None),
    ("plain", ("b=${a}", "a=y"), None),
]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("choice_refs")
    for name, text in {**GROUPS, **{f"{k}.yaml": v for k, v in PRIMARY.items()}}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(("name", "overrides", "refused"), ROWS,
                         ids=[f"{r[0]}-{'-'.join(r[1]) or 'none'}" for r in ROWS])
def test_interpolated_choice_as_hydra(
    tree: Path, name: str, overrides: tuple[str, ...], refused: str | None
) -> None:
    """The same tree as ``hydra.compose``; where Hydra refuses, a located error."""
    hydra = hydra_compose(tree, name, overrides)
    ours = typedcfg_compose(tree, name, overrides)
    if refused is None:
        assert hydra[0] == "ok", hydra
        assert ours[0] == "ok", ours
        assert same(hydra[1], ours[1]), (hydra, ours)
    else:
        assert hydra[0] == "error", hydra
        assert ours[0] == "error", ours
        location, _, message = ours[1].partition(": ")
        assert location.endswith((".yaml:3:5", ".yaml:2:5", ".yaml:4:5")) or location.startswith(
            "argv["
        ), ours[1]
        assert message.startswith(refused), ours[1]


def test_interpolated_choice_is_located_at_the_command_line(tree: Path) -> None:
    """A choice interpolated on the command line is reported at its token."""
    ours = typedcfg_compose(tree, "plain", ("b=${db}",))
    assert ours == ("error", "argv[0] 'b=${db}': group 'b': cannot resolve '${db}': "
                             "Interpolation key 'db' not found")


CHOSEN = st.sampled_from(["x", "y"])
ENTRIES = ["  - a: x\n", "  - b: x\n", "  - ab: ${a}_${b}\n", "  - _self_\n"]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=st.one_of(st.none(), CHOSEN), b=st.one_of(st.none(), CHOSEN),
       order=st.permutations(ENTRIES))
def test_overrides_of_referenced_groups_as_hydra(
    tree: Path, a: str | None, b: str | None, order: list[str]
) -> None:
    """Any order of the entries, any command-line choice of the groups referred to."""
    name = "gen_" + "".join(str(ENTRIES.index(line)) for line in order)
    path = tree / f"{name}.yaml"
    if not path.exists():
        path.write_text("defaults:\n" + "".join(order) + "own: 1\n", encoding="utf-8")
    overrides = tuple(f"{g}={v}" for g, v in (("a", a), ("b", b)) if v is not None)
    hydra = hydra_compose(tree, name, overrides)
    ours = typedcfg_compose(tree, name, overrides)
    assert hydra[0] == ours[0] == "ok", (hydra, ours)
    assert same(hydra[1], ours[1]), (hydra, ours)
