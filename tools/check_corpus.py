"""Run the invalid-input corpus (tests/data/invalid/) through ``typedcfg.load`` and summarise.

Usage:
    python tools/check_corpus.py            # every case; exit 1 on any crash
    python tools/check_corpus.py -v         # one line per case
    python tools/check_corpus.py NAME...    # only these cases

Each case is a directory holding its input files and a ``case.json`` expectation::

    {"schema": "Basic", "argv": ["epochs=x"], "expect": "error",
     "error": "ConfigValidationError", "location": "argv[0] 'epochs=x'",
     "contains": ["Input should be a valid integer"]}

Keys of ``case.json``:
    schema: a class name from ``tests/invalid_schemas.py`` (default ``Basic``).
    argv: command-line tokens; env / env_prefix: environment variables and the opt-in prefix;
    configs: paths passed as ``configs=``; defaults: ``defaults=`` (absent: the cwd file).
    generate: ``{"file": name, "kind": generator, "n": size}``, files made at run time (deep
        nesting, 50 MB); symlinks: ``{"link": "target"}``, made at run time; fifos: names of
        FIFOs made at run time.
    expect: ``error`` (a TypedcfgError), ``ok`` (loads), ``warning`` (loads with a warning) or
        ``either`` (loads, or fails with a TypedcfgError: for huge inputs, where a size limit
        is as good an answer as loading, as long as memory stays bounded).
    error, location, contains: the class name, the exact start of the message, and texts the
        message must hold. absent: texts it must not hold (a secret). warning: the warning
        class name. values: flattened values to check.
    subprocess: run the load in a child process and report its peak RSS (large inputs);
        max_rss_mb bounds it.
    known_bug: a known core bug; the case must still fail this way (reported separately, not
        counted as a pass); when it starts passing, the checker says so and fails.

The summary line reads ``corpus: N cases tried, T typed errors, L loaded, C crashes``; a crash is
any exception that is not a ``TypedcfgError``, or an outcome that differs from ``case.json``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
CORPUS = TESTS / "data" / "invalid"
DEFAULT_MAX_RSS_MB = 1500


@dataclasses.dataclass
class Case:
    """One corpus entry: its name, directory and parsed ``case.json``."""

    name: str
    path: Path
    spec: dict[str, Any]

    @property
    def argv(self) -> list[str]:
        return list(self.spec.get("argv", []))

    @property
    def expect(self) -> str:
        return str(self.spec.get("expect", "error"))


@dataclasses.dataclass
class Outcome:
    """What running a case produced.

    Attributes:
        status: ``error`` (a TypedcfgError), ``ok``, or ``crash`` (anything else escaped).
        error: the exception class name (errors and crashes).
        message: the rendered message, or the traceback of a crash.
        warnings: the class names of warnings raised while loading.
        values: the flattened config (``ok`` only, secrets left as their masked text).
        peak_rss_mb: the child's peak RSS, for cases run in a subprocess.
    """

    status: str
    error: str | None = None
    message: str = ""
    warnings: list[str] = dataclasses.field(default_factory=list)
    values: dict[str, Any] = dataclasses.field(default_factory=dict)
    peak_rss_mb: float | None = None


def load_cases(root: Path = CORPUS, names: Sequence[str] = ()) -> list[Case]:
    """Every case directory under ``root`` (sorted), or only ``names``."""
    cases = []
    for spec_file in sorted(root.glob("*/case.json")):
        name = spec_file.parent.name
        if names and name not in names:
            continue
        cases.append(Case(name, spec_file.parent, json.loads(spec_file.read_text())))
    return cases


# --- materialising a case ---------------------------------------------------------------------


def _deep_block_seq(n: int) -> str:
    return "data:\n  " + "- " * n + "x\n"


def _deep_block_map(n: int) -> str:
    # One space per level keeps the file small (n * (n + 1) / 2 bytes of indentation).
    return "data:\n" + "".join(" " * (i + 1) + "a:\n" for i in range(n)) + " " * (n + 1) + "x\n"


def _deep_flow_seq(n: int) -> str:
    return "data: " + "[" * n + "]" * n + "\n"


def _deep_flow_map(n: int) -> str:
    return "data: " + "{a: " * n + "x" + "}" * n + "\n"


def _big_string(n: int) -> str:
    return "name: " + "x" * (n * 1024 * 1024) + "\n"


def _many_keys(n: int) -> str:
    # Lines of 'kNNNNNNN: 1234567' (18 bytes) until the file holds n MiB.
    count = n * 1024 * 1024 // 18
    return "".join(f"k{i:07d}: {i:07d}\n" for i in range(count))


def _deep_interpolation_string(n: int) -> str:
    return 'data: "' + "${oc.select:" * n + "name" + "}" * n + '"\nname: x\n'


def _deep_json_argv(n: int) -> str:
    return '{"data": ' + "[" * n + "]" * n + "}"


def _merge_fan_in(n: int) -> str:
    # Each mapping merges the three before it (issue 18): exponential without memory.
    lines = [f"m{i}: &m{i} {{k{i}: {i}}}" for i in range(3)]
    lines += [f"m{i}: &m{i} {{<<: [*m{i-3}, *m{i-2}, *m{i-1}], k{i}: {i}}}" for i in range(3, n)]
    return "\n".join(lines) + "\n"


def _merge_chain(n: int) -> str:
    lines = ["m0: &m0 {k0: 0}"] + [f"m{i}: &m{i} {{<<: *m{i-1}, k{i}: {i}}}" for i in range(1, n)]
    return "\n".join(lines) + "\n"


def _interpolation_fan_out(n: int) -> str:
    lines = ["data:", "  a0: x"]
    lines += [f"  a{i}: ${{data.a{i-1}}}${{data.a{i-1}}}" for i in range(1, n)]
    return "\n".join(lines) + "\n"


GENERATORS: dict[str, Callable[[int], str]] = {
    "merge_fan_in": _merge_fan_in,
    "merge_chain": _merge_chain,
    "interpolation_fan_out": _interpolation_fan_out,
    "spaces_in_value": lambda n: "name: a" + " " * n + "b\n",
    "spaces_then_bang": lambda n: " " * n + "!\n",
    "hex_digits": lambda n: "epochs: 0x" + "f" * n + "\n",
    "deep_block_seq": _deep_block_seq,
    "deep_block_map": _deep_block_map,
    "deep_flow_seq": _deep_flow_seq,
    "deep_flow_map": _deep_flow_map,
    "big_string": _big_string,
    "many_keys": _many_keys,
    "deep_interpolation_string": _deep_interpolation_string,
}
ARGV_GENERATORS: dict[str, Callable[[int], str]] = {
    "deep_json": _deep_json_argv,
    "deep_list": lambda n: "data=" + "[" * n + "]" * n,
    "deep_interpolation": lambda n: "+data='" + "${" * n + "name" + "}" * n + "'",
    "long_list": lambda n: "sizes=[" + ",".join(["1"] * n) + "]",
    "long_key": lambda n: "k" * n + "=1",
    "long_quoted_list": lambda n: "tags=[" + ",".join(["'a b'"] * n) + "]",
}


def prepare(case: Case, workdir: Path) -> list[str]:
    """Copy the case's files into ``workdir``, generate the rest; return the argv to use."""
    for item in case.path.iterdir():
        if item.name == "case.json":
            continue
        target = workdir / item.name
        if item.is_dir():
            shutil.copytree(item, target, symlinks=True)
        else:
            shutil.copy2(item, target, follow_symlinks=False)
    for spec in _as_list(case.spec.get("generate")):
        text = GENERATORS[spec["kind"]](int(spec["n"]))
        (workdir / spec["file"]).write_text(text, encoding="utf-8")
    for link, target in case.spec.get("symlinks", {}).items():
        os.symlink(target, workdir / link)
    for fifo in case.spec.get("fifos", []):
        os.mkfifo(workdir / fifo)
    argv = case.argv
    for spec in _as_list(case.spec.get("generate_argv")):
        argv.append(ARGV_GENERATORS[spec["kind"]](int(spec["n"])))
    return argv


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@contextlib.contextmanager
def working_directory(path: Path) -> Iterator[None]:
    """Run the body with ``path`` as the working directory (tools and tests only)."""
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def load_kwargs(case: Case) -> dict[str, Any]:
    """The keyword arguments of ``typedcfg.load`` for this case (not the schema or argv)."""
    spec = case.spec
    kwargs: dict[str, Any] = {}
    if "env_prefix" in spec:
        kwargs["env_prefix"] = spec["env_prefix"]
        kwargs["environ"] = dict(spec.get("env", {}))
    if "configs" in spec:
        kwargs["configs"] = list(spec["configs"])
    if "defaults" in spec:
        kwargs["defaults"] = spec["defaults"]
    if "config_dir" in spec:
        kwargs["config_dir"] = spec["config_dir"]
    return kwargs


def schemas() -> dict[str, type]:
    """The corpus schemas (tests/invalid_schemas.py), imported by path."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    import invalid_schemas

    return dict(invalid_schemas.SCHEMAS)


def run_in_process(case: Case, workdir: Path) -> Outcome:
    """Prepare the case in ``workdir`` and run ``typedcfg.load`` there."""
    import typedcfg

    schema = schemas()[case.spec.get("schema", "Basic")]
    argv = prepare(case, workdir)
    with working_directory(workdir), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            config = typedcfg.load(schema, argv, **load_kwargs(case))
        except typedcfg.TypedcfgError as exc:
            return Outcome("error", type(exc).__name__, str(exc), _names(caught))
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            text = "".join(traceback.format_exception(exc))
            return Outcome("crash", type(exc).__name__, text, _names(caught))
        values = {k: str(v) for k, v in typedcfg.flatten(config).items()}
        return Outcome("ok", values=values, warnings=_names(caught))


def _names(caught: list[warnings.WarningMessage]) -> list[str]:
    return [w.category.__name__ for w in caught]


_CHILD = r"""
import json, resource, sys, warnings
# An address-space cap keeps a runaway case from pushing a shared machine into swap; hitting it
# raises MemoryError, which counts as a crash.
cap = int(sys.argv[6]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
sys.path.insert(0, sys.argv[1])
import check_corpus
case = check_corpus.Case(sys.argv[3], check_corpus.Path(sys.argv[2]), json.loads(sys.argv[4]))
outcome = check_corpus.run_in_process(case, check_corpus.Path(sys.argv[5]))
outcome.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
outcome.values = {}
print(json.dumps(check_corpus.dataclasses.asdict(outcome)))
"""


def run_in_subprocess(case: Case, workdir: Path) -> Outcome:
    """Run the case in a child Python (large inputs), reporting the child's peak RSS."""
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(Path(__file__).parent), str(case.path), case.name,
         json.dumps(case.spec), str(workdir),
         str(int(case.spec.get("max_rss_mb", DEFAULT_MAX_RSS_MB) * 1.5))],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return Outcome("crash", "ChildFailed", f"exit {proc.returncode}\n{proc.stderr[-4000:]}")
    return Outcome(**json.loads(lines[-1]))


def run(case: Case, workdir: Path) -> Outcome:
    """Run one case the way its spec asks (in this process, or in a child for big inputs)."""
    if case.spec.get("subprocess"):
        return run_in_subprocess(case, workdir)
    return run_in_process(case, workdir)


# --- the decorated program ----------------------------------------------------------------------

PROGRAM_RAN = "PROGRAM RAN"


def run_program(case: Case) -> None:
    """Be the case's program: ``@typedcfg.main`` over ``sys.argv`` (exits 2 on bad input).

    Until ``typedcfg.main`` exists, a stand-in does what it promises: load, and on a
    ``TypedcfgError`` print the message to stderr and exit with status 2.
    """
    import typedcfg

    schema = schemas()[case.spec.get("schema", "Basic")]
    kwargs = load_kwargs(case)
    kwargs.pop("environ", None)  # the program reads the real environment

    def body(cfg: Any) -> None:
        print(PROGRAM_RAN, type(cfg).__name__)

    if hasattr(typedcfg, "main"):
        typedcfg.main(schema, **kwargs)(body)()
        return
    try:
        config = typedcfg.load(schema, sys.argv[1:], **kwargs)
    except typedcfg.TypedcfgError as exc:
        print(str(exc), file=sys.stderr)
        raise SystemExit(2) from None
    body(config)


def run_programs(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run each job's program in a forked child; return exit status, stdout and stderr.

    Forking from one warmed-up process makes a few hundred program runs cheap; each child is
    still a separate process with its own working directory, environment, argv and exit code.
    """
    import typedcfg  # noqa: F401 - imported once, before forking

    schemas()
    results = []
    for job in jobs:
        spec = json.loads((Path(job["case"]) / "case.json").read_text())
        case = Case(job["name"], Path(job["case"]), spec)
        out_path = Path(job["workdir"]).parent / f"{case.name}.stdout"
        err_path = Path(job["workdir"]).parent / f"{case.name}.stderr"
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: become the program, never return
            code = 1
            try:
                os.chdir(job["workdir"])
                os.environ.update(case.spec.get("env", {}))
                with open(out_path, "w") as out, open(err_path, "w") as err:
                    os.dup2(out.fileno(), 1)
                    os.dup2(err.fileno(), 2)
                    sys.argv = ["program", *job["argv"]]
                    try:
                        run_program(case)
                        code = 0
                    except SystemExit as exc:
                        code = exc.code if isinstance(exc.code, int) else 1
                    except BaseException:
                        traceback.print_exc()
                        code = 1
                    sys.stdout.flush()
                    sys.stderr.flush()
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        results.append({
            "name": case.name,
            "status": os.waitstatus_to_exitcode(status),
            "stdout": out_path.read_text(errors="replace"),
            "stderr": err_path.read_text(errors="replace"),
        })
    return results


def program_problems(case: Case, status: int, stdout: str, stderr: str) -> list[str]:
    """How a program run differs from the case's expectation."""
    found: list[str] = []
    if "Traceback" in stderr:
        return [f"traceback on stderr (exit {status}):\n{stderr[-3000:]}"]
    if case.expect == "either" and status == 2:
        found += message_problems(case.spec, stderr)
    elif case.expect == "error":
        if status != 2:
            found.append(f"exit status {status}, expected 2; stderr: {stderr[:500]!r}")
        found += message_problems(case.spec, stderr)
        if PROGRAM_RAN in stdout:
            found.append("the program body ran")
    else:
        if status != 0 or PROGRAM_RAN not in stdout:
            found.append(f"exit status {status}, expected the program to run; {stderr[:500]!r}")
        if case.expect == "warning" and case.spec.get("warning", "") not in stderr:
            found.append(f"no {case.spec.get('warning')} on stderr: {stderr[:500]!r}")
    return found


# --- judging ------------------------------------------------------------------------------------


def problems(case: Case, outcome: Outcome) -> list[str]:
    """How ``outcome`` differs from the case's expectation (empty: as expected)."""
    spec = case.spec
    found: list[str] = []
    if outcome.status == "crash":
        return [f"crashed with {outcome.error}:\n{outcome.message}"]
    expect = case.expect
    if expect == "either" and outcome.status == "error":
        found += message_problems(spec, outcome.message)
    elif expect == "error":
        if outcome.status != "error":
            return ["loaded, but an error was expected"]
        if spec.get("error") and outcome.error != spec["error"]:
            found.append(f"raised {outcome.error}, expected {spec['error']}")
        found += message_problems(spec, outcome.message)
    else:
        if outcome.status != "ok" and expect != "either":
            return [f"expected to load, got {outcome.error}: {outcome.message}"]
        if expect == "warning" and spec.get("warning") not in outcome.warnings:
            found.append(f"expected a {spec.get('warning')}, got {outcome.warnings}")
        if expect == "ok" and outcome.warnings:
            found.append(f"unexpected warnings {outcome.warnings}")
        for key, value in spec.get("values", {}).items():
            if outcome.values.get(key) != str(value):
                found.append(f"{key} is {outcome.values.get(key)!r}, expected {str(value)!r}")
    limit = spec.get("max_rss_mb", DEFAULT_MAX_RSS_MB)
    if outcome.peak_rss_mb is not None and outcome.peak_rss_mb > limit:
        found.append(f"peak RSS {outcome.peak_rss_mb:.0f} MB over the {limit} MB bound")
    return found


def message_problems(spec: dict[str, Any], message: str) -> list[str]:
    """The message starts with the expected location and holds every expected text."""
    found = []
    location = spec.get("location")
    if location is not None and not message.startswith(location):
        found.append(f"message does not start with {location!r}: {message!r}")
    if location is None:
        found.append("case.json names no location")
    for text in _as_list(spec.get("contains")):
        if text not in message:
            found.append(f"message lacks {text!r}: {message!r}")
    for text in _as_list(spec.get("absent")):
        if text in message:
            found.append(f"message shows {text!r}: {message!r}")
    if "Traceback" in message:
        found.append("message holds a traceback")
    return found


@dataclasses.dataclass
class Summary:
    """Counts for the summary line."""

    tried: int = 0
    typed: int = 0
    loaded: int = 0
    crashes: int = 0
    known: list[str] = dataclasses.field(default_factory=list)
    fixed: list[str] = dataclasses.field(default_factory=list)

    def line(self) -> str:
        return (
            f"corpus: {self.tried} cases tried, {self.typed} typed errors, "
            f"{self.loaded} loaded, {self.crashes} crashes"
        )


def check(cases: Sequence[Case], verbose: bool = False, out: Any = None) -> Summary:
    """Run ``cases`` and count; print failures (and every case when ``verbose``)."""
    out = out or sys.stdout
    summary = Summary()
    for case in cases:
        with tempfile.TemporaryDirectory(prefix=f"corpus-{case.name}-") as tmp:
            outcome = run(case, Path(tmp).resolve())
        found = problems(case, outcome)
        summary.tried += 1
        bug = case.spec.get("known_bug")
        if bug:
            if found:
                summary.known.append(case.name)
                print(f"KNOWN BUG {case.name}: {bug}", file=out)
            else:
                summary.fixed.append(case.name)
                summary.crashes += 1
                print(f"FIXED {case.name}: passes now; remove its known_bug entry", file=out)
            continue
        if found:
            summary.crashes += 1
            print(f"CRASH {case.name}: " + "\n  ".join(found), file=out)
        elif outcome.status == "error":
            summary.typed += 1
        else:
            summary.loaded += 1
        if verbose and not found:
            shown = outcome.message.splitlines()[0] if outcome.message else "loaded"
            print(f"ok    {case.name}: {shown}", file=out)
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run the corpus, print the summary line, exit 1 on any crash."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--programs"]:  # internal: tests/test_invalid_corpus.py runs programs
        jobs = json.loads(Path(args[1]).read_text())
        print(json.dumps(run_programs(jobs)))
        return 0
    if args[:1] == ["--program"]:  # internal: be one case's program, in the current directory
        case = load_cases(CORPUS, [args[1]])[0]
        sys.argv = ["program", *args[2:]]
        run_program(case)
        return 0
    verbose = "-v" in args
    names = [a for a in args if a != "-v"]
    cases = load_cases(CORPUS, names)
    if names and len(cases) != len(names):
        missing = sorted(set(names) - {c.name for c in cases})
        print(f"no such case: {', '.join(missing)}", file=sys.stderr)
        return 1
    summary = check(cases, verbose)
    if summary.known:
        print(f"known bugs: {len(summary.known)} (not counted as passes): "
              + ", ".join(summary.known))
    print(summary.line())
    return 1 if summary.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
