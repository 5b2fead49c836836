"""typedcfg.sweeps.output: bytes fed in any chunks become whole prefixed lines and exact logs."""

from __future__ import annotations

import random
import tempfile
import threading
from pathlib import Path

import pytest

from typedcfg.sweeps.jobs import JobResult, LauncherError
from typedcfg.sweeps.output import MAX_LINE, TAIL_LINES, SweepOutput


class Console:
    """A console that keeps what it is given: each call's text, as written."""

    def __init__(self) -> None:
        self.writes: list[str] = []

    def __call__(self, text: str) -> None:
        self.writes.append(text)

    @property
    def lines(self) -> list[str]:
        assert all(text.endswith("\n") and text.count("\n") == 1 for text in self.writes)
        return [text[:-1] for text in self.writes]


def result(index: int = 0, run: str | None = None, output: str = "") -> JobResult:
    return JobResult(index, "a=1", "finished", run=run, output=output)


def test_lines_split_anywhere_come_out_whole(tmp_path: Path) -> None:
    """A chunk may end inside a line, inside a UTF-8 character or between \\r and \\n."""
    console = Console()
    job = SweepOutput(console, logs=str(tmp_path)).open(3)
    for chunk in [b"epoch 1 lo", b"ss 0.5\nepoch 2 \xc3", b"\xa9t\xc3\xa9\r", b"\nthird\n"]:
        job.feed(chunk)
    assert console.lines == ["[3] epoch 1 loss 0.5", "[3] epoch 2 été", "[3] third"]
    job.close()
    assert (tmp_path / "sweep-3.log").read_bytes() == (
        b"epoch 1 loss 0.5\nepoch 2 \xc3\xa9t\xc3\xa9\r\nthird\n"
    )


def test_a_progress_bar_redraw_is_a_line_each_time() -> None:
    """A lone \\r ends a line (what a terminal shows after each redraw); no empty lines."""
    console = Console()
    job = SweepOutput(console).open(0)
    job.feed(b"\r 10%|#  |\r 20%|## |")
    job.feed(b"\r100%|###|\n\nnext")
    assert console.lines == ["[0]  10%|#  |", "[0]  20%|## |", "[0] 100%|###|", "[0]"]
    job.close()
    assert console.lines[-1] == "[0] next"


def test_bytes_that_are_not_utf8_are_shown_replaced_and_logged_as_written(
    tmp_path: Path,
) -> None:
    """Undecodable bytes show as U+FFFD on the console; the log keeps the bytes."""
    console = Console()
    job = SweepOutput(console, sweep_id="s", logs=str(tmp_path)).open(1)
    job.feed(b"\xff\xfe raw \x00 bytes\n\x80")
    finished = job.finish(result(1))
    assert console.lines == ["[1] \ufffd\ufffd raw \x00 bytes", "[1] \ufffd"]
    assert (tmp_path / "s-1.log").read_bytes() == b"\xff\xfe raw \x00 bytes\n\x80"
    assert finished.log == str(tmp_path / "s-1.log")
    assert finished.output == "\ufffd\ufffd raw \x00 bytes\n\ufffd"


def test_a_line_that_never_ends_is_shown_in_pieces(tmp_path: Path) -> None:
    """A line longer than MAX_LINE is shown as it grows, never split inside a character."""
    console = Console()
    job = SweepOutput(console, logs=str(tmp_path)).open(0)
    data = b"x" * (MAX_LINE - 1) + "é".encode() + b"y" * (MAX_LINE + 10)
    for start in range(0, len(data), 1000):
        job.feed(data[start : start + 1000])
    assert [len(line) for line in console.lines] == [4 + MAX_LINE - 1, 4 + MAX_LINE - 1]
    assert console.lines[1].startswith("[0] éy")
    job.close()
    assert "".join(line[4:] for line in console.lines).encode() == data
    assert (tmp_path / "sweep-0.log").read_bytes() == data


def test_each_stream_keeps_its_own_unfinished_line() -> None:
    """Two streams of one job (a scheduler's .out and .err files) never mix within a line."""
    console = Console()
    job = SweepOutput(console).open(2)
    job.feed(b"step 1", "stdout")
    job.feed(b"warning: slow\nwarn", "stderr")
    job.feed(b" done\n", "stdout")
    job.close()
    assert console.lines == ["[2] warning: slow", "[2] step 1 done", "[2] warn"]


def test_lines_of_jobs_fed_from_threads_never_interleave() -> None:
    """Four jobs fed from four threads in random chunk sizes: every console line is whole,
    and each job's lines keep their order."""
    console = Console()
    output = SweepOutput(console)
    texts = {n: b"".join(b"job %d line %d %s\n" % (n, k, b"=" * (k % 50)) for k in range(300))
             for n in range(4)}  # fmt: skip

    def feed(n: int) -> None:
        job = output.open(n)
        data, rng, at = texts[n], random.Random(n), 0
        while at < len(data):
            step = rng.randint(1, 97)
            job.feed(data[at : at + step])
            at += step
        job.close()

    threads = [threading.Thread(target=feed, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for n in range(4):
        mine = [line for line in console.lines if line.startswith(f"[{n}] ")]
        expected = [f"[{n}] " + line for line in texts[n].decode().splitlines()]
        assert mine == expected
    assert len(console.lines) == 4 * 300


def test_quiet_shows_only_the_launchers_lines_and_keeps_the_tail() -> None:
    """quiet: job lines are not shown, say() lines are; the tail is kept for the summary."""
    console = Console()
    output = SweepOutput(console, quiet=True)
    job = output.open(0)
    job.feed(b"".join(b"line %d\n" % k for k in range(30)))
    output.say("[1/1] job 0 failed")
    finished = job.finish(JobResult(0, "a=1", "failed"))
    assert console.lines == ["[1/1] job 0 failed"]
    assert finished.output.splitlines() == [f"line {k}" for k in range(30 - TAIL_LINES, 30)]
    assert finished.log is None


def test_the_log_goes_into_the_run_directory_and_the_scratch_copy_is_removed(
    tmp_path: Path,
) -> None:
    """Without --logs a recorded job's log is its run's output.log; no other file remains."""
    run = tmp_path / "runs" / "train" / "abc-0"
    run.mkdir(parents=True)
    job = SweepOutput(None, sweep_id="abc").open(0)
    job.feed(b"loss 0.3\n")
    scratch = list(Path(tempfile.gettempdir()).glob("typedcfg-abc-0-*.log"))
    assert len(scratch) == 1  # the one file written while the job runs
    finished = job.finish(result(0, run=str(run), output="from the job"))
    assert (run / "output.log").read_bytes() == b"loss 0.3\n"
    assert finished.log == str(run / "output.log")
    assert finished.output == "from the job"  # a launcher's own tail is kept
    assert not scratch[0].exists()
    with pytest.raises(ValueError, match="job 0: output fed after finish"):
        job.feed(b"late\n")


def test_logs_and_run_directory_both_keep_the_output(tmp_path: Path) -> None:
    """With --logs and a recorded run, both hold the output; result.log names the --logs file."""
    run = tmp_path / "run"
    run.mkdir()
    job = SweepOutput(None, sweep_id="abc", logs=str(tmp_path / "logs")).open(4)
    job.feed(b"a\nb")
    finished = job.finish(result(4, run=str(run)))
    assert (run / "output.log").read_bytes() == b"a\nb"
    assert (tmp_path / "logs" / "abc-4.log").read_bytes() == b"a\nb"
    assert finished.log == str(tmp_path / "logs" / "abc-4.log")


def test_a_closed_console_is_dropped_and_the_job_goes_on(tmp_path: Path) -> None:
    """A console that raises (a closed pipe) stops being written; the log still gets all."""
    calls: list[str] = []

    def broken(text: str) -> None:
        calls.append(text)
        raise BrokenPipeError(32, "Broken pipe")

    job = SweepOutput(broken, logs=str(tmp_path)).open(0)
    job.feed(b"one\ntwo\n")
    job.close()
    assert calls == ["[0] one\n"]
    assert (tmp_path / "sweep-0.log").read_bytes() == b"one\ntwo\n"


def test_a_log_folder_that_cannot_be_made_is_a_located_error(tmp_path: Path) -> None:
    """--logs under a file: LauncherError at the flag."""
    (tmp_path / "file").write_text("")
    with pytest.raises(LauncherError) as caught:
        SweepOutput(None, logs=str(tmp_path / "file" / "logs"))
    assert caught.value.render() == (
        f"argv '--logs {tmp_path}/file/logs': cannot create the log folder "
        f"'{tmp_path}/file/logs': Not a directory"
    )
