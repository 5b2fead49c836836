"""The output of a sweep's jobs: live on one console, prefixed by job number, kept in a log.

Launchers never print. They feed each job's bytes, as they arrive, to that job's
:class:`JobOutput`; the one :class:`SweepOutput` of the sweep turns them into whole lines on
the console (``[3] epoch 2 loss 0.41``) and into log files.

How a launcher uses it (the local pool, Ray, a scheduler that writes log files, a sampler
that runs trials a few at a time)::

    output = SweepOutput(write, sweep_id="k3x9a2bq", quiet=False, logs="logs")  # the program's
    job = output.open(3)          # when job 3 starts (a cancelled job is never opened)
    job.feed(chunk)               # any bytes, any chunk size, from any one thread at a time
    job.feed(err_chunk, "stderr") # a second stream (two log files): its own partial line
    result = job.finish(result)   # after the job ended: last partial line shown, log closed
                                  # and copied into result.run; result.log and .output filled

- :func:`typedcfg.sweeps.jobs.run_job` takes ``sink=job.feed`` and copies the process's
  merged stdout and stderr into it as they come (with :func:`follow`, which reads the pipe
  all the time, so a job that prints a lot never blocks), so the local pool needs nothing
  else: ``job.finish(run_job(spec, cancel, job.feed))``.
- A Ray task sends its chunks to the driver, which feeds them (``sweeps/launchers.py``).
- A launcher that reads files (Slurm via submitit's ``%j_log.out`` and ``.err``) reads each
  file from the last offset it reached and feeds what is new, each file as its own ``stream``,
  and builds the job's :class:`~typedcfg.sweeps.jobs.JobResult` itself before ``finish``.
- A sampler running trials ``--jobs N`` at a time opens one output per trial, numbered as its
  trials are, and finishes each when its trial ends; a trial that never starts is not opened.
- :func:`typedcfg.sweeps.launchers.launch`, :func:`~typedcfg.sweeps.launchers.run_local` and
  :func:`~typedcfg.sweeps.launchers.run_ray` take the sweep's ``output=``; without one,
  nothing is shown and a recorded job still gets its ``output.log``.

Lines: ``\\n``, ``\\r\\n`` and a lone ``\\r`` (a progress bar redrawing itself) end a line;
bytes that are not UTF-8 are shown as U+FFFD; a line longer than :data:`MAX_LINE` bytes is
shown in pieces. A console line is written in one call under one lock per sweep, so lines of
different jobs (and the launcher's own progress lines, :meth:`SweepOutput.say`) never mix
within a line, and the lines of one stream of a job keep their order. The log keeps the bytes
exactly as the job wrote them, whole lines at a time. A console that fails (a closed pipe) is
dropped and the jobs go on; a log that cannot be written is an error when the job is opened.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..provenance import Origin, SourceKind

if TYPE_CHECKING:  # jobs.py imports this module: its names are imported where they are used
    import subprocess

    from .jobs import JobResult

__all__ = ["MAX_LINE", "OUTPUT_LOG", "TAIL_LINES", "JobOutput", "SweepOutput", "Tail", "follow"]

OUTPUT_LOG = "output.log"
"""A recorded job's output, in its run directory."""

MAX_LINE = 16384
"""Bytes of one line shown at once: a longer line (or one that never ends) is cut here."""

TAIL_LINES = 20
"""Lines of a job kept for the summary (the end of a failed job's output)."""

_BREAK = re.compile(rb"\r\n|\n|\r")

_DRAIN = 2.0
"""Seconds the pipe of a job that ended is still read (a process it started may hold it)."""


class SweepOutput:
    """The console and the log folder that every job of one sweep writes to.

    Args:
        write: writes one piece of text (whole lines, each ending in ``\\n``) to the console;
            ``None`` shows nothing. Called under this object's lock, from any thread.
        sweep_id: names the log files: ``<logs>/<sweep_id>-<job>.log``.
        quiet: show only the launcher's own lines (:meth:`say`), not the jobs'.
        logs: a folder for every job's log, created if needed; ``None`` keeps a job's output
            only in its run directory (when it is recorded).

    Raises:
        LauncherError: the ``logs`` folder cannot be created.
    """

    def __init__(
        self,
        write: Callable[[str], None] | None = None,
        *,
        sweep_id: str = "sweep",
        quiet: bool = False,
        logs: str | None = None,
    ) -> None:
        self.sweep_id = sweep_id
        self.quiet = quiet
        self.logs = None if logs is None else os.path.abspath(logs)
        self._write = write
        self._lock = threading.Lock()
        if self.logs is not None:
            from .jobs import LauncherError

            try:
                os.makedirs(self.logs, exist_ok=True)
            except OSError as exc:
                raise LauncherError(
                    f"cannot create the log folder {logs!r}: {exc.strerror or exc}",
                    origin=Origin(SourceKind.ARGV, text=f"--logs {logs}"),
                ) from exc

    def say(self, text: str) -> None:
        """Show one line of the launcher's own (progress, summary), also when ``quiet``."""
        self._show(text)

    def open(self, index: int) -> JobOutput:
        """The output of job ``index``, which starts now; its log file is created here.

        Raises:
            LauncherError: the log file cannot be created.
        """
        path, scratch = self._log_path(index)
        return JobOutput(index, None if self.quiet else self._show, path, scratch=scratch)

    def _show(self, text: str) -> None:
        with self._lock:
            if self._write is None:
                return
            try:
                self._write(text + "\n")
            except (OSError, ValueError):  # a closed console: the jobs must go on regardless
                self._write = None

    def _log_path(self, index: int) -> tuple[str, bool]:
        """Where job ``index`` logs, and whether that file is a scratch copy to remove."""
        if self.logs is not None:
            return os.path.join(self.logs, f"{self.sweep_id}-{index}.log"), False
        handle, path = tempfile.mkstemp(prefix=f"typedcfg-{self.sweep_id}-{index}-", suffix=".log")
        os.close(handle)
        return path, True


class JobOutput:
    """One job's output: fed bytes, shown as prefixed lines, logged, its last lines kept.

    Made by :meth:`SweepOutput.open`. :meth:`feed` and :meth:`finish` may be called from any
    thread (one lock per job).

    Args:
        index: the job number.
        show: shows one console line (``None``: nothing shown, as with ``--quiet-jobs``).
        path: the log file to write, created now.
        scratch: the log is a scratch copy, removed once the job's output is finished.

    Attributes:
        index: the job number shown before each line.
        log: the job's log file once it is kept (the ``--logs`` file, else the run
            directory's ``output.log``); ``None`` while it runs without ``--logs``, and for a
            job whose output is not kept.
    """

    def __init__(
        self, index: int, show: Callable[[str], None] | None, path: str, *, scratch: bool
    ) -> None:
        self.index = index
        self._show = show
        self._lock = threading.Lock()
        self._pending: dict[str, bytearray] = {}
        self._tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self._closed = False
        self._path, self._scratch = path, scratch
        self.log: str | None = None if self._scratch else self._path
        try:
            self._file = open(self._path, "wb")  # noqa: SIM115 (closed by close())
        except OSError as exc:
            from .jobs import LauncherError

            raise LauncherError(
                f"cannot write the log of job {index} to {self._path}: {exc.strerror or exc}",
                origin=Origin(SourceKind.ARGV, text=f"--logs {os.path.dirname(path)}"),
            ) from exc

    def feed(self, data: bytes, stream: str = "output") -> None:
        """Take the next ``data`` of ``stream``: each line it completes is shown and logged.

        A line not ended yet waits for the next call (or :meth:`finish`); each ``stream``
        (``"stdout"``, ``"stderr"``, one per file read) has its own unfinished line.

        Raises:
            ValueError: the output was finished already.
        """
        with self._lock:
            if self._closed:
                raise ValueError(f"job {self.index}: output fed after finish()")
            pending = self._pending.setdefault(stream, bytearray())
            pending += data
            start = 0
            for found in _BREAK.finditer(pending):
                if found.group() == b"\r" and found.end() == len(pending):
                    break  # maybe the first half of \r\n: wait for the next byte
                self._line(bytes(pending[start : found.end()]), found.start() - start)
                start = found.end()
            del pending[:start]
            while len(pending) > MAX_LINE:
                cut = _char_boundary(pending, MAX_LINE)
                self._line(bytes(pending[:cut]), cut)
                del pending[:cut]
            self._file.flush()

    def finish(self, result: JobResult) -> JobResult:
        """End the output of the job that ended as ``result``, and return ``result`` completed.

        Shows the unfinished last line of each stream, closes the log, copies it into
        ``result.run`` (``output.log``) when the job was recorded, removes a scratch log, and
        fills ``result.log`` and (when empty) ``result.output`` with the job's last lines.
        """
        self.close(result.run)
        output = result.output or self.tail()
        return dataclasses.replace(result, log=self.log, output=output)

    def close(self, run: str | None = None) -> None:
        """Show the unfinished lines, close the log, and copy it into ``run`` if it is a folder.

        Closing twice does nothing.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for pending in self._pending.values():
                if pending:
                    self._line(bytes(pending), len(pending))
            self._file.close()
            if run is not None and os.path.isdir(run):
                target = os.path.join(run, OUTPUT_LOG)
                try:
                    shutil.copyfile(self._path, target)
                except OSError:
                    pass  # the run directory went away: the --logs copy (if any) still holds it
                else:
                    self.log = self.log or target
            if self._scratch:
                os.remove(self._path)

    def tail(self, lines: int = TAIL_LINES) -> str:
        """The last ``lines`` lines shown (at most :data:`TAIL_LINES`), joined by newlines."""
        with self._lock:
            return "\n".join(list(self._tail)[-lines:]) if lines > 0 else ""

    def _line(self, raw: bytes, end: int) -> None:
        """One line: ``raw`` as written (terminator included), its text ``raw[:end]``."""
        self._file.write(raw)
        text = raw[:end].decode("utf-8", errors="replace")
        if not text and raw[end:] == b"\r":
            return  # a progress bar's redraw starts with \r: no empty line for it
        self._tail.append(text)
        if self._show is not None:
            self._show(f"[{self.index}] {text}" if text else f"[{self.index}]")


def _char_boundary(data: bytearray, cut: int) -> int:
    """``cut`` moved back over UTF-8 continuation bytes, so no character is split (a few bytes
    at most; data that is not UTF-8 is cut where asked)."""
    for back in range(min(4, cut)):
        if data[cut - back] & 0xC0 != 0x80:
            return cut - back
    return cut


# --- a process's pipe ----------------------------------------------------------------------


class Tail:
    """Passes chunks on to a sink and keeps the last bytes (for the error and the summary)."""

    def __init__(self, sink: Callable[[bytes], None] | None, keep: int = 16384) -> None:
        self.sink = sink
        self.keep = keep
        self.data = bytearray()

    def __call__(self, chunk: bytes) -> None:
        self.data += chunk
        del self.data[: -self.keep]
        if self.sink is not None:
            try:
                self.sink(chunk)
            except Exception:  # a broken sink must not stop the job (nor the pipe's reading)
                self.sink = None

    def text(self, lines: int = 20) -> str:
        text = self.data.decode("utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def follow(
    process: subprocess.Popen[bytes], cancel: Callable[[], bool] | None, sink: Tail, *, grace: float
) -> bool:
    """Copy the process's output to ``sink`` until it ends; True when it had to be interrupted.

    The pipe is read while waiting, and the cancel flag polled every 0.2 s. An interrupted job
    gets SIGINT, then ``grace`` seconds (its output still read) before it is killed. After the
    process ends the pipe is read to its end, for at most ``_DRAIN`` seconds more: a process it
    started may hold the pipe open.
    """
    import selectors
    import signal

    assert process.stdout is not None  # Popen was given stdout=PIPE
    fd = process.stdout.fileno()
    kill_at = ended_at = float("inf")
    reading = True
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            stop = False
            try:
                if reading and selector.select(timeout=0.2):
                    chunk = os.read(fd, 65536)
                    reading = bool(chunk)
                    if chunk:
                        sink(chunk)
                elif not reading:
                    time.sleep(0.05)
                stop = kill_at == float("inf") and cancel is not None and cancel()
            except KeyboardInterrupt:  # in the waiting thread (Ray cancels a task this way)
                stop = kill_at == float("inf")
            now = time.monotonic()
            if process.poll() is not None:
                ended_at = min(ended_at, now)
                if not reading or now - ended_at > _DRAIN:
                    return kill_at != float("inf")
            elif stop:
                process.send_signal(signal.SIGINT)
                kill_at = now + grace
            elif now > kill_at:
                process.kill()
