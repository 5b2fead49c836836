"""Structured configs from Hydra's ConfigStore as group options and primary configs.

Every shape is composed twice, by ``hydra.compose`` with the nodes in Hydra's ConfigStore and
by typedcfg with the same store passed as ``config_store=``; both must give the same tree, or
both must refuse. Hydra's store is a singleton: :func:`peers.hydra_store` puts it back after
each composition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from omegaconf import MISSING
from peers import (
    Anything,
    StoreNode,
    hydra_compose_store,
    hydra_store,
    same,
    typedcfg_compose_store,
)
from pydantic import BaseModel

import typedcfg
from typedcfg.app.help import render_help
from typedcfg.sweeps.grammar import group_options


@dataclass
class MySQL:
    driver: str = "mysql"
    port: int = 3306
    user: str = MISSING


@dataclass
class Postgres:
    driver: str = "postgresql"
    port: int = 5432
    timeout: float = 1.5


@dataclass
class Pool:
    size: int = 4
    tags: list[str] = field(default_factory=lambda: ["a", "b"])


@dataclass
class Server:
    host: str = "localhost"
    url: str = "${.host}:${db.port}"


@dataclass
class Config:
    defaults: list[Any] = field(default_factory=lambda: [{"db": "mysql"}, "_self_"])
    name: str = "shop"
    workers: int = 2


@dataclass
class Plain:
    name: str = "plain"
    debug: bool = False


@dataclass
class WithDefaults:
    defaults: list[Any] = field(default_factory=lambda: [{"/pool": "small"}, "_self_"])
    kind: str = "web"


DB: list[StoreNode] = [("db", "mysql", MySQL, None), ("db", "postgresql", Postgres, None)]
APP = {"app.yaml": "defaults:\n  - db: mysql\n  - _self_\nname: app\n"}

# (id, files of the config directory (None: no directory), store nodes, config name, overrides)
CASES: list[tuple[str, dict[str, str] | None, list[StoreNode], str | None, list[str]]] = [
    ("store-only group", APP, DB, "app", []),
    ("store-only group, chosen on the command line", APP, DB, "app", ["db=postgresql"]),
    ("store-only group, value override", APP, DB, "app", ["db=postgresql", "db.port=1"]),
    ("unknown store option", APP, DB, "app", ["db=oracle"]),
    ("store group appended", {"app.yaml": "name: app\n"}, DB, "app", ["+db=postgresql"]),
    ("store group removed", APP, DB, "app", ["~db"]),
    ("stored primary config, no directory", None, [*DB, (None, "config", Config, None)],
     "config", []),
    ("stored primary config, choice", None, [*DB, (None, "config", Config, None)], "config",
     ["db=postgresql", "workers=8"]),
    ("stored primary config, YAML groups",
     {"db/mysql.yaml": "driver: mysql-yaml\nport: 1\n"}, [(None, "config", Config, None)],
     "config", []),
    ("unknown stored primary config", None, DB, "nothing", []),
    ("mixed group: YAML option", {**APP, "db/sqlite.yaml": "driver: sqlite\nfile: x.db\n"},
     DB, "app", ["db=sqlite"]),
    ("mixed group: stored option", {**APP, "db/sqlite.yaml": "driver: sqlite\n"}, DB, "app",
     ["db=postgresql"]),
    ("mixed group: unknown option", {**APP, "db/sqlite.yaml": "driver: sqlite\n"}, DB, "app",
     ["db=sqlit"]),
    ("package of the entry", APP, [*DB, ("db", "backup", {"host": "b"}, "backups.db")], "app",
     ["db=backup"]),
    ("global package of the entry", APP, [*DB, ("db", "flat", {"host": "f"}, "_global_")],
     "app", ["db=flat"]),
    ("entry at a package of the defaults list",
     {"app.yaml": "defaults:\n  - db@src: mysql\n  - db@dst: postgresql\n  - _self_\n"},
     DB, "app", ["db@dst=mysql"]),
    ("nested store group",
     {"app.yaml": "defaults:\n  - server/db: postgresql\n  - _self_\n"},
     [("server/db", "mysql", MySQL, None), ("server/db", "postgresql", Postgres, None)],
     "app", ["server/db=mysql"]),
    ("dataclass instance and dict nodes", APP,
     [("db", "mysql", MySQL(port=1, user="u"), None), ("db", "tiny", {"driver": "t"}, None)],
     "app", []),
    ("dict node chosen", APP,
     [("db", "mysql", MySQL(port=1, user="u"), None), ("db", "tiny", {"driver": "t"}, None)],
     "app", ["db=tiny"]),
    ("interpolations kept",
     {"app.yaml": "defaults:\n  - db: postgresql\n  - server: web\n  - _self_\n"},
     [*DB, ("server", "web", Server, None)], "app", []),
    ("lists in a node", {"app.yaml": "defaults:\n  - pool: small\n"},
     [("pool", "small", Pool, None)], "app", ["pool.size=8"]),
    ("a stored option with its own defaults list",
     {"app.yaml": "defaults:\n  - server: web\n  - _self_\n"},
     [("server", "web", WithDefaults, None), ("pool", "small", Pool, None),
      ("pool", "big", Pool(size=64), None)], "app", []),
    ("its defaults list overridden on the command line",
     {"app.yaml": "defaults:\n  - server: web\n  - _self_\n"},
     [("server", "web", WithDefaults, None), ("pool", "small", Pool, None),
      ("pool", "big", Pool(size=64), None)], "app", ["pool=big"]),
    ("optional entry, option missing",
     {"app.yaml": "defaults:\n  - optional db: oracle\n  - _self_\nx: 1\n"}, DB, "app", []),
    ("YAML extends a stored schema",
     {**APP, "db/mysql.yaml": "defaults:\n  - base_mysql\n  - _self_\nuser: root\n"},
     [("db", "base_mysql", MySQL, None)], "app", []),
    ("YAML extends a stored schema, absolute",
     {**APP, "db/mysql.yaml": "defaults:\n  - /schemas/mysql@_here_\n  - _self_\nuser: r\n"},
     [("schemas", "mysql", MySQL, None)], "app", []),
    ("primary YAML extends a stored primary schema",
     {"app.yaml": "defaults:\n  - base_app\n  - _self_\nworkers: 4\n"},
     [*DB, (None, "base_app", Config, None)], "app", []),
    ("YAML over the stored config of the same name",
     {**APP, "db/mysql.yaml": "user: root\nport: 1\n"}, DB, "app", []),
    ("YAML over the stored config of the same name, with a defaults list",
     {**APP, "db/mysql.yaml": "defaults:\n  - /pool: small\n  - _self_\nuser: root\n"},
     [*DB, ("pool", "small", Pool, None)], "app", []),
    ("YAML over a stored dict of the same name, new key",
     {**APP, "db/mysql.yaml": "extra: 1\n"}, [("db", "mysql", {"driver": "d"}, None)],
     "app", []),
    ("YAML over the stored config of the same name, unknown key",
     {**APP, "db/mysql.yaml": "user: root\nextra: 1\n"}, DB, "app", []),
    ("YAML over the stored config of the same name, wrong type",
     {**APP, "db/mysql.yaml": "user: root\nport: abc\n"}, DB, "app", []),
    ("YAML over a stored config with a defaults list",
     {"server/web.yaml": "kind: api\n",
      "app.yaml": "defaults:\n  - server: web\n  - _self_\n"},
     [("server", "web", WithDefaults, None), ("pool", "small", Pool, None)], "app", []),
    ("primary YAML over the stored primary of the same name",
     {"app.yaml": "name: app\n"}, [(None, "app", Plain, None)], "app", []),
]


@pytest.mark.parametrize(
    ("files", "nodes", "name", "overrides"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_store_compositions_match_hydra_compose(
    tmp_path: Path,
    files: dict[str, str] | None,
    nodes: list[StoreNode],
    name: str | None,
    overrides: list[str],
) -> None:
    """typedcfg composes a ConfigStore tree (alone or beside YAML files) to the tree
    hydra.compose gives, or refuses where Hydra refuses."""
    root: Path | None = None
    if files is not None:
        root = tmp_path / "conf"
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
    hydra = hydra_compose_store(root, name, overrides, nodes)
    ours = typedcfg_compose_store(root, name, overrides, nodes)
    assert hydra[0] == ours[0], (hydra, ours)
    if hydra[0] == "ok":
        assert same(ours[1], hydra[1]), (ours[1], hydra[1])


def test_every_case_composes_differently_without_the_store(tmp_path: Path) -> None:
    """Without the store the cases do not give Hydra's tree (but the few that never reach a
    stored config): each case needs the store to compose."""
    reached: list[str] = []
    for _id, files, nodes, name, overrides in CASES:
        root = tmp_path / _id.replace(" ", "_").replace(",", "").replace(":", "")
        for rel, text in (files or {}).items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        hydra = hydra_compose_store(root if files is not None else None, name, overrides, nodes)
        bare = typedcfg_compose_store(root if files is not None else None, name, overrides, [])
        if hydra[0] == "ok" and bare[0] == "ok" and same(bare[1], hydra[1]):
            reached.append(_id)
    assert reached == ["mixed group: YAML option", "optional entry, option missing"]


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "conf"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_origins_name_the_store_entry_and_its_class(tmp_path: Path) -> None:
    """Each stored value's origin is 'ConfigStore group/name (Class)'; a YAML value merged
    over it keeps its file, line and column."""
    root = _tree(tmp_path, {**APP, "db/mysql.yaml": "user: root\n"})
    with hydra_store(DB) as store:
        loaded = typedcfg.compose(Anything, ["db=mysql"], defaults=None, config_dir=root,
                                  config_name="app", config_store=store)
    assert str(loaded.provenance["db.port"]) == "ConfigStore db/mysql (MySQL)"
    assert str(loaded.provenance["db.user"]).endswith("db/mysql.yaml:1:7")
    packaged = typedcfg.compose(Anything, ["db=b"], defaults=None, config_dir=root,
                                config_name="app", config_store={"db/b": {"host": "h"}})
    assert str(packaged.provenance["db.host"]) == "ConfigStore db/b"
    assert str(packaged.provenance["db"]) == "ConfigStore db/b"


def test_a_plain_mapping_is_a_store() -> None:
    """config_store= also takes {'group/name': node}; a typed schema validates the result."""

    class Db(BaseModel):
        driver: str
        port: int
        timeout: float

    class App(BaseModel):
        db: Db

    loaded = typedcfg.compose(
        App, ["+db=postgresql", "db.port=6000"], defaults=None,
        config_store={"db/mysql": MySQL, "db/postgresql": Postgres(port=1)},
    )
    assert loaded.config.db == Db(driver="postgresql", port=6000, timeout=1.5)

    class Strict(BaseModel):
        db: dict[str, int]

    with pytest.raises(typedcfg.ConfigValidationError) as info:
        typedcfg.compose(Strict, ["+db=mysql"], defaults=None, config_store={"db/mysql": MySQL})
    assert str(info.value).startswith("ConfigStore db/mysql (MySQL): db.driver: ")


ERRORS = [
    pytest.param(
        {"db/sqlite.yaml": "driver: s\n", **APP}, ["db=postgre"],
        "argv[0] 'db=postgre': group 'db' has no option 'postgre'; available: mysql, "
        "postgresql, sqlite; did you mean 'postgresql'?",
        id="unknown-option-lists-store-options",
    ),
    pytest.param(
        {**APP, "db/mysql.yaml": "user: root\nextra: 1\n"}, [],
        "conf/db/mysql.yaml:2:8: does not fit ConfigStore db/mysql (MySQL), which Hydra merges "
        "it over (a stored config of the same name): Key 'extra' not in 'MySQL'",
        id="unknown-key-over-schema",
    ),
    pytest.param(
        {**APP, "db/mysql.yaml": "user: root\nport: abc\n"}, [],
        "conf/db/mysql.yaml:2:7: does not fit ConfigStore db/mysql (MySQL), which Hydra merges "
        "it over (a stored config of the same name): Value 'abc' of type 'str' could not be "
        "converted to Integer",
        id="wrong-type-over-schema",
    ),
]


@pytest.mark.parametrize(("files", "overrides", "message"), ERRORS)
def test_error_messages(
    cwd: Path, files: dict[str, str], overrides: list[str], message: str
) -> None:
    """Errors about store entries are located and list what the store offers."""
    root = _tree(cwd, files)
    with hydra_store(DB) as store, pytest.raises(typedcfg.CompositionError) as info:
        typedcfg.compose(Anything, overrides, defaults=None, config_dir=root.name,
                         config_name="app", config_store=store)
    assert str(info.value) == message


def test_a_store_of_another_type_is_refused() -> None:
    """Anything but Hydra's ConfigStore or a mapping is a located TypedcfgError."""
    with pytest.raises(typedcfg.CompositionError) as info:
        typedcfg.compose(Anything, [], defaults=None, config_store=["db/mysql"])
    assert str(info.value) == (
        "config_store: config_store: expected Hydra's ConfigStore (ConfigStore.instance()) "
        "or a mapping of 'group/name' to nodes, not list"
    )


def test_help_and_sweeps_list_store_options(tmp_path: Path) -> None:
    """--help and --multirun's group expansion list stored options beside the YAML ones."""
    root = _tree(tmp_path, {**APP, "db/sqlite.yaml": "driver: s\n"})
    with hydra_store([*DB, ("cache", "redis", {"ttl": 1}, None)]) as store:
        text, problem = render_help(Anything, test_help_and_sweeps_list_store_options, "prog",
                                    defaults=None, config_dir=root, config_store=store)
        found = group_options(Anything, "db", config_dir=root, defaults=None,
                              config_store=store)
    assert problem is None
    assert f"  db: mysql, postgresql, sqlite  ({root}/db/ and ConfigStore)\n" in text + "\n"
    assert "  cache: redis  (ConfigStore)" in text
    assert "  hydra" not in text  # Hydra's own entries are not the program's groups
    assert found == ["mysql", "postgresql", "sqlite"]


def test_main_takes_a_config_store(cwd: Path) -> None:
    """@typedcfg.main(..., config_store=...) composes store options, in a sweep too."""
    _tree(cwd, APP)
    seen: list[Any] = []

    with hydra_store(DB) as store:

        @typedcfg.main(Anything, defaults=None, config_dir="conf", config_name="app",
                       config_store=store)
        def run(cfg: Anything) -> None:
            seen.append(typedcfg.flatten(cfg))

        run(argv=["db=postgresql"])
    assert seen == [{"name": "app", "db.driver": "postgresql", "db.port": 5432,
                     "db.timeout": 1.5}]



def test_deliberate_difference_stored_types_are_left_to_the_schema(tmp_path: Path) -> None:
    """Hydra keeps a composed structured config typed, so 'db.port=abc' over a stored int
    fails in Hydra; typedcfg composes it and the schema refuses it, at the argument
    (docs/from-hydra.md, Deliberate differences)."""
    root = _tree(tmp_path, APP)
    hydra = hydra_compose_store(root, "app", ["db=postgresql", "db.port=abc"], DB)
    ours = typedcfg_compose_store(root, "app", ["db=postgresql", "db.port=abc"], DB)
    assert hydra[0] == "error"
    assert ours == ("ok", {"db": {"driver": "postgresql", "port": "abc", "timeout": 1.5},
                           "name": "app"})

    class Db(BaseModel):
        port: int

    class App(BaseModel):
        db: Db

    with hydra_store(DB) as store, pytest.raises(typedcfg.ConfigValidationError) as info:
        typedcfg.compose(App, ["db=postgresql", "db.port=abc"], defaults=None, config_dir=root,
                         config_name="app", config_store=store)
    assert "\nargv[1] 'db.port=abc': db.port: Input should be a valid integer" in str(info.value)
