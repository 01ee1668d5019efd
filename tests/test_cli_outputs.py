"""What run, compare and sweep write and show: each its own files in the output folder (a rerun replaces
its own files only), one progress count over the whole command (plain lines off a terminal, a bar on one,
nothing with -q), and ``summary`` of a comparison's scenario or a sweep's point."""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
import tomli_w

import simshare
from simshare.engine.progress import Progress
from simshare.interface.cli import main

from conftest import ROOT, council, service, small_config

CONFIG = small_config(
    [service(name, budget={"A": 300_000, "B": 200_000}, posts={"A": 6, "B": 5},
             review={"dist": "pert", "min": 2, "mode": 3, "max": 6}, savings_fraction=0.12)
     for name in ("Licensing", "Planning")],
    councils=[council(name, turnover_annual=0.12) for name in ("A", "B")],
    horizon=36, name="Outputs test", start="2025-04-01", savings_target=50_000, target_month=24,
    scenarios=[{"name": "two teams", "set": {"programme.review_teams": 2}}],
)


@pytest.fixture(scope="module")
def config_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cfg") / "outputs.toml"
    path.write_text(tomli_w.dumps(CONFIG))
    return path


def _main(*args: object) -> tuple[int, str, str]:
    """``simshare ARGS`` in this process; (exit status, stdout, stderr), stderr not a terminal."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def folder(tmp_path_factory, config_file) -> tuple[Path, dict[str, tuple[int, str, str]]]:
    """run, compare and two sweeps into one folder, with progress on (stderr is not a terminal)."""
    out = tmp_path_factory.mktemp("out")
    calls = {
        "run": ("run", config_file, "-n", "6"),
        "compare": ("compare", config_file, "--baseline", "-n", "6"),
        "sweep": ("sweep", config_file, "--set", "programme.review_teams=1,2", "-n", "4"),
        "sweep2": ("sweep", config_file, "--set", "programme.committee_interval_months=1,2", "-n", "4"),
    }
    return out, {k: _main(*args, "-o", out) for k, args in calls.items()}


def test_each_command_writes_its_own_files(folder):
    out, results = folder
    for name, (code, _, err) in results.items():
        assert code == 0, f"{name}: {err}"
    assert sorted(p.name for p in out.iterdir()) == sorted([
        "results.nc", "compare.nc", "compare.csv", "compare-differences.csv",
        "sweep_programme.review_teams.nc", "sweep_programme.review_teams.csv",
        "sweep_programme.committee_interval_months.nc", "sweep_programme.committee_interval_months.csv"])


def test_a_rerun_replaces_its_own_files_only(folder, config_file):
    out, _ = folder
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    code, _, err = _main("compare", config_file, "--baseline", "-n", "5", "-o", out, "-q")
    assert code == 0, err
    after = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert set(after) == set(before)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"compare.nc", "compare.csv", "compare-differences.csv"}


@pytest.mark.parametrize("command, line", [
    ("run", "run: 6/6 replications (100 %)"),
    ("compare", "compare (3 scenarios): 6/6 replications (100 %)"),
    ("sweep", "sweep (2 points): 4/4 replications (100 %)"),
])
def test_progress_off_a_terminal_is_plain_lines_spanning_the_command(folder, command, line):
    _, results = folder
    err = results[command][2]
    assert "\r" not in err and "\x1b" not in err
    lines = err.strip().splitlines()
    assert lines and lines[-1].startswith(line), err
    assert all(": " in x and "replications" in x for x in lines), err  # nothing else, one count for the command


@pytest.mark.parametrize("args", [
    ("run", "-n", "4"),
    ("compare", "--baseline", "-n", "4"),
    ("sweep", "--set", "programme.review_teams=1,2", "-n", "3"),
])
def test_quiet_silences_progress(config_file, tmp_path, capsys, args):
    assert main([args[0], str(config_file), *args[1:], "-o", str(tmp_path), "-q"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_progress_on_a_terminal_is_one_bar(config_file, tmp_path):
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "simshare", "sweep", str(config_file), "--set",
                             "programme.review_teams=1,2", "-n", "6", "-o", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=slave, stdin=subprocess.DEVNULL, cwd=ROOT,
                            env={**os.environ})
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert proc.wait(timeout=120) == 0
    text = b"".join(chunks).decode()
    assert "sweep (2 points)" in text and "6/6" in text and "\r" in text  # a tqdm bar, redrawn in place
    assert text.count("\n") <= 2


def test_summary_reads_a_scenario_of_a_comparison_and_a_point_of_a_sweep(folder, capsys):
    out, _ = folder
    assert main(["summary", str(out / "compare.nc"), "--scenario", "two teams"]) == 0
    text = capsys.readouterr().out
    assert "scenario: two teams" in text and "P50" in text
    assert main(["summary", str(out), "--at", "programme.review_teams=2"]) == 0
    assert "sweep point: programme.review_teams=2" in capsys.readouterr().out
    assert main(["summary", str(out), "--scenario", "status quo"]) == 0  # results.nc lacks it: compare.nc has it
    assert "scenario: status quo" in capsys.readouterr().out


@pytest.mark.parametrize("args, words", [
    (("sweep_programme.review_teams.nc",), ["--at programme.review_teams=VALUE", "1, 2"]),
    (("sweep_programme.review_teams.nc", "--at", "programme.review_teams=7"), ["not a swept value", "1, 2"]),
    (("sweep_programme.review_teams.nc", "--at", "programme.order=2"), ["programme.order", "not swept"]),
    (("sweep_programme.review_teams.nc", "--at", "programme.review_teams"), ["--at", "PATH=VALUE"]),
    (("compare.nc", "--scenario", "three teams"), ["three teams", "two teams", "status quo"]),
    ((".", "--at", "programme.start=1"), ["no sweep over exactly programme.start", "sweep_programme.review_teams.nc"]),
    ((".", "--at", "programme.review_teams=1", "--at", "programme.review_teams=2"), ["given twice"]),
])
def test_summary_refuses_a_point_or_scenario_it_does_not_hold(folder, capsys, args, words):
    out, _ = folder
    assert main(["summary", str(out / args[0]), *args[1:]]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert all(w in err for w in words), err


def test_compare_and_sweep_count_into_an_outer_progress():
    stream = io.StringIO()
    outer = Progress(0, "study", stream=stream, interval=1e9)
    simshare.compare(CONFIG, baseline=True, replications=3, progress=outer)
    simshare.sweep(CONFIG, {"programme.review_teams": [1, 2]}, replications=2, progress=outer)
    assert outer.done == 5 and outer.total == 5  # one count over both commands' replications
    outer.close()
    assert stream.getvalue().strip() == stream.getvalue().strip().splitlines()[0]  # one line, at the end
    assert stream.getvalue().startswith("study: 5/5")
