"""``typedcfg runs report``: one self-contained HTML file to look at runs in a browser.

The file opens from disk, offline: plotly's JavaScript is inlined (``plotly.offline``, the
``report`` extra), the runs are a JSON block, and the page's own script (``report.js``, beside
this module) draws the runs table (sortable, filterable, 50 rows a page), the group-by table,
the comparison of ticked runs (the keys that differ, each with where its value came from), a
parallel-coordinates plot and a scatter plot, the trials of a sweep with the best one marked,
and the runs whose files are damaged.
"""

from __future__ import annotations

import datetime
import html
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO, cast

from ..errors import require_module
from .files import RunStoreError, located
from .report_data import Columns, columns_of_rows

__all__ = ["ReportRun", "page", "report_command", "report_runs", "write_report"]

ReportRun = Mapping[str, Any]
"""One run as the report takes it: ``path, state, created_at, sweep, config, summary, source``
(``config`` and ``summary`` flat, ``source`` the provenance text of each config key), or
``path, damaged`` for a run whose files are damaged."""

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em;margin:0}h2{font-size:1.15em;margin:1.6em 0 .4em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:13px}td,th{padding:2px 8px;border-bottom:1px solid #eee;
text-align:left;white-space:nowrap}th[data-col]{cursor:pointer;background:#f6f6f6}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
th.summary{color:#064}.state-failed{color:#b00}.state-running{color:#a60}.source{color:#666}
tr.best{background:#e8f6e8;font-weight:600}.plot{width:100%;height:460px}.note{color:#666}
.controls{margin:.4em 0}.controls label{margin-right:1.2em}select[multiple]{vertical-align:top}
"""

_BODY = """
<h1 id="title"></h1><p class="note" id="generated"></p>
<section id="runs-view"><h2>Runs</h2>
<div class="controls"><label>state <select id="state"></select></label>
<button id="prev">&larr; previous</button> <button id="next">next &rarr;</button>
<span id="runs-count"></span></div>
<table id="runs"><thead><tr id="runs-head"></tr><tr id="runs-filters"></tr></thead>
<tbody id="runs-body"></tbody></table>
<p class="note">Click a header to sort; filter a column by text, or with &lt;, &lt;=, &gt;, &gt;=,
=, != before a value. The filters apply to the groups and plots below too.</p></section>
<section id="groups-view"><h2>Groups</h2>
<div class="controls"><label>group by <select id="group-by" multiple size="4"></select></label>
<label>metric <select id="metric"></select></label></div>
<table id="groups"><thead id="groups-head"></thead><tbody id="groups-body"></tbody></table>
</section>
<section id="compare-view"><h2>Compare</h2><div id="compare"></div></section>
<section id="plots-view"><h2>Plots</h2><div id="parcoords" class="plot"></div>
<div class="controls"><label>x <select id="scatter-x"></select></label>
<label>colour <select id="scatter-color"></select></label></div>
<div id="scatter" class="plot"></div></section>
<section id="sweep-view"><h2>Sweep</h2>
<div class="controls"><label>sweep <select id="sweep"></select></label>
<label><input type="checkbox" id="higher"> higher is better</label></div>
<p id="sweep-best"></p>
<table id="sweep-trials"><thead id="sweep-head"></thead><tbody id="sweep-body"></tbody></table>
</section>
<section id="damaged-view"><h2>Damaged runs</h2><ul id="damaged"></ul></section>
"""


def _plotly_js() -> str:
    offline: Any = require_module(
        "plotly.offline", RunStoreError, "the report needs plotly, which is not installed",
        "runs report", "pip install 'typedcfg[report]'",
    )  # fmt: skip
    text: str = offline.get_plotlyjs()
    return text


def _script_text(text: str) -> str:
    """Text safe inside ``<script>``: no ``</script>`` or ``<!--`` can end or bend the element."""
    return text.replace("<", "\\u003c") if text.lstrip()[:1] in "{[" else text


def page(runs: Sequence[ReportRun], title: str) -> str:
    """The report's HTML text, of runs given as rows (see :data:`ReportRun`)."""
    good = [r for r in runs if not r.get("damaged")]
    damaged = [(str(r["path"]), str(r["damaged"])) for r in runs if r.get("damaged")]
    return page_of(columns_of_rows(good), damaged, title)


def page_of(columns: Columns, damaged: Sequence[tuple[str, str]], title: str) -> str:
    """The report's HTML text, of runs given as columns (:mod:`.report_data`)."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    payload = {
        "title": title, "generated": now, **columns,
        "damaged": [{"path": path, "problem": problem} for path, problem in damaged],
    }  # fmt: skip
    data = json.dumps(payload, ensure_ascii=True, allow_nan=False, default=repr)
    own = Path(__file__).with_name("report.js").read_text(encoding="utf-8")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style></head><body>\n{_BODY}\n"
        f'<script type="application/json" id="data">{_script_text(data)}</script>\n'
        f"<script>{_plotly_js()}</script>\n<script>{own}</script>\n</body></html>\n"
    )


def write_report(
    runs: Sequence[ReportRun], path: str | os.PathLike[str], title: str, *,
    columns: Columns | None = None, damaged: Sequence[tuple[str, str]] = (),
) -> Path:  # fmt: skip
    """Write the report of ``runs`` (or of ``columns`` and ``damaged``) to ``path``.

    Returns the path written.

    Raises:
        RunStoreError: plotly is missing, or the file cannot be written.
    """
    target = Path(path)
    text = page(runs, title) if columns is None else page_of(columns, damaged, title)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise RunStoreError(f"cannot write: {exc.strerror or exc}", origin=located(target)) from exc
    return target


# --- the command ----------------------------------------------------------------------------


def report_command(api: Any, args: Any, out: TextIO) -> int:
    """``typedcfg runs report``: write the report of the runs the arguments select."""
    from .tables import filters_of

    filters = filters_of(args.where, args.sweep)
    damaged = api.damaged(args.project)
    title = args.title or (f"runs of {args.project}" if args.project else f"runs in {api.root}")
    if args.sweep:
        title = args.title or f"sweep {args.sweep}"
    output = args.output or os.path.join(api.root, "report.html")
    # From the index's columns when it can say the selection exactly; else from the runs.
    columns = api.report_columns(args.project, filters)
    if columns is None:
        rows = report_runs(api.runs(args.project, filters, order="created_at"))
        columns = columns_of_rows(rows)
    target = write_report([], output, title, columns=columns, damaged=damaged)
    count = len(columns["runs"]["path"])
    if args.json:
        print(json.dumps({"report": os.fspath(target), "runs": count,
                          "damaged": len(damaged)}), file=out)  # fmt: skip
    else:
        print(f"wrote {target} ({count} runs, {len(damaged)} damaged)", file=out)
    if args.open:
        import webbrowser

        webbrowser.open(target.resolve().as_uri())
    return 0


def report_runs(found: Sequence[Any]) -> list[dict[str, Any]]:
    """The report's view of each run: flat config and summary, and each config key's source."""
    flat = [dict(flat_leaves(run.config)) for run in found]
    rows: list[dict[str, Any]] = []
    for run, config in zip(found, flat, strict=True):
        meta = run.meta
        rows.append({
            "path": run.path, "state": run.state, "created_at": run.created_at,
            "sweep": meta.get("sweep"), "config": config,
            "summary": dict(flat_leaves(dict(run.summary))), "source": _Sources(run),
        })  # fmt: skip
    return rows


def flat_leaves(data: Mapping[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """``(dotted key, value)`` for each leaf of a nested mapping (lists are leaves)."""
    for key, value in data.items():
        here = (*path, str(key))
        if isinstance(value, Mapping) and value:
            yield from flat_leaves(cast("Mapping[str, Any]", value), here)
        else:
            yield ".".join(here), value


class _Sources(Mapping[str, str]):
    """A run's provenance as ``dotted key -> where``, worked out only for the keys asked for."""

    def __init__(self, run: Any) -> None:
        self._run = run
        self._by_path: dict[str, str] | None = None

    def _table(self) -> dict[str, str]:
        if self._by_path is None:
            table: dict[str, str] = {}
            for entry in self._run.provenance_entries():
                when = entry.get("at")
                text = str(entry.get("where", "")) + (f" {when}" if when else "")
                table[".".join(str(p) for p in entry["path"])] = text
            self._by_path = table
        return self._by_path

    def __getitem__(self, key: str) -> str:
        table = self._table()
        name = key
        while name:
            if name in table:
                return table[name]
            name = name.rpartition(".")[0]
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())
