"""The result store at the edges (issue 12, kinds 6 and 11–15): one writer per folder, only
computed replications written, resume with another -n, damaged parts, a full disk, orphan workers,
and the per-replication event budget."""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
import xarray as xr

import simshare.engine.worker as worker_module
from simshare.config import load_config
from simshare.engine.simulate import Run
from simshare.engine.store import LOCK_NAME, PartStore, StoreError, write_netcdf
from simshare.interface.cli import main
from simshare.model.replication import EventBudgetExceeded, play, run_replication

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = str(ROOT / "configs" / "minimal.toml")


def _run(out: Path, n: int, *extra: str) -> int:
    return main(["run", MINIMAL, "-n", str(n), "-q", "-o", str(out), *extra])


def _values(path: Path) -> dict[str, np.ndarray]:
    with xr.open_dataset(path) as ds:
        return {k: ds[k].values.copy() for k in ("npv", "inputs", "cumulative_net", "agency_cost")}


def _same(a: dict, b: dict) -> None:
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


@pytest.fixture
def keep_parts(monkeypatch):
    """Runs leave their parts behind, as a killed run does."""
    monkeypatch.setattr(PartStore, "remove", lambda self: None)


def _interrupted(tmp_path: Path, n: int, chunk: int) -> Path:
    out = tmp_path / "out"
    assert _run(out, n, "--chunk-size", str(chunk)) == 0
    (out / "results.nc").unlink()
    return out


# kind 11: two runs into one folder
def test_second_writer_refused(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (out / LOCK_NAME).write_text(json.dumps({"pid": other.pid, "host": os.uname().nodename,
                                                 "started": "2025-01-01T00:00:00+00:00"}))
        assert _run(out, 3) == 2
        err = capsys.readouterr().err
        assert str(out) in err and str(other.pid) in err and "2025-01-01" in err and "Traceback" not in err
        assert not (out / "results.nc").exists()
    finally:
        other.kill()
        other.wait()


def test_stale_lock_taken_over(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (out / LOCK_NAME).write_text(json.dumps({"pid": gone.pid, "host": os.uname().nodename, "started": "x"}))
    assert _run(out, 3) == 0
    assert not (out / LOCK_NAME).exists()


def test_incomplete_results_never_written(tmp_path):
    run = Run({"base": load_config(MINIMAL)}, seed=1)
    store = PartStore(tmp_path / "parts", run.description(4))
    store.open(False)
    start, arrays = worker_module.run_task(run.tasks([(0, 2)], 4)[0])
    store.write(start, arrays)
    path = tmp_path / "results.nc"
    with pytest.raises(StoreError, match="2 of 4 replications"):
        write_netcdf(path, run.layout(4), store.parts(4), 4)
    assert not path.exists() and not list(tmp_path.glob("*.tmp"))


# kind 12: resume with another replication count
@pytest.mark.parametrize("n_after", [7, 12, 30])
def test_resume_with_other_n(tmp_path, keep_parts, n_after):
    out = _interrupted(tmp_path, 20, 5)
    assert _run(out, n_after, "--resume", "--chunk-size", "5") == 0
    fresh = tmp_path / "fresh"
    assert _run(fresh, n_after) == 0
    _same(_values(out / "results.nc"), _values(fresh / "results.nc"))


# kind 12b: resume with nothing unfinished beside a finished run
@pytest.mark.parametrize("other", [["--seed", "2"], ["--set", "programme.review_teams=2"], ["--sampling", "lhs"]])
def test_resume_refuses_to_replace_a_different_finished_run(tmp_path, capsys, other):
    out = tmp_path / "out"
    assert _run(out, 8) == 0
    before = _values(out / "results.nc")
    capsys.readouterr()
    assert _run(out, 8, "--resume", *other) == 2
    err = capsys.readouterr().err
    assert "cannot resume" in err and "different run" in err and "Traceback" not in err
    _same(_values(out / "results.nc"), before)   # untouched
    assert _run(out, 8, "--resume") == 0            # the same run resumes (recomputed: nothing was left)
    _same(_values(out / "results.nc"), before)


# kind 13: damaged parts
@pytest.mark.parametrize("damage", ["truncate", "flip", "no checksum"])
def test_damaged_part_recomputed(tmp_path, capsys, keep_parts, damage):
    out = _interrupted(tmp_path, 12, 4)
    part = sorted((out / "results.nc.parts").glob("part-*.npz"))[1]
    data = part.read_bytes()
    if damage == "truncate":
        part.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        part.write_bytes(data[:100] + bytes([data[100] ^ 0xFF]) + data[101:])
    else:
        part.with_name(part.name + ".sha256").unlink()
    capsys.readouterr()
    assert _run(out, 12, "--resume") == 0
    err = capsys.readouterr().err
    assert "damaged" in err and part.name in err
    fresh = tmp_path / "fresh"
    assert _run(fresh, 12) == 0
    _same(_values(out / "results.nc"), _values(fresh / "results.nc"))


# kind 14: a full disk
def _tmpfs(path: Path, size: str) -> bool:
    path.mkdir()
    if os.geteuid() != 0:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def test_disk_full(tmp_path, capsys):
    disk = tmp_path / "disk"
    if not _tmpfs(disk, "512k"):
        pytest.skip("cannot mount a small tmpfs here (needs root and mount permission)")
    try:
        filler = disk / "filler"
        fd = os.open(filler, os.O_CREAT | os.O_WRONLY)
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        os.truncate(filler, max(0, filler.stat().st_size - 24 * 1024))
        out = disk / "out"
        assert _run(out, 40, "--chunk-size", "5") == 2
        err = capsys.readouterr().err
        assert "disk is full" in err and "Traceback" not in err
        left = [p for p in out.rglob("*") if p.name.endswith(".tmp")]
        assert not left and not (out / "results.nc").exists()
        for part in out.rglob("part-*.npz"):  # parts that made it are whole
            with np.load(part) as data:
                assert data.files
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


# kind 15: workers end with their parent
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_end_with_parent(tmp_path, sig):
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "simshare", "run", MINIMAL, "-n", "400", "--workers", "2",
                             "--chunk-size", "1", "-q", "-o", str(tmp_path / "out")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = psutil.Process(proc.pid)
    deadline = time.time() + 60
    children: list[psutil.Process] = []
    while time.time() < deadline and len(children) < 3:
        children = parent.children(recursive=True)
        time.sleep(0.2)
    assert children, "the run started no workers"
    parts = tmp_path / "out" / "results.nc.parts"
    while time.time() < deadline and len(list(parts.glob("part-*.npz"))) < 2:  # the workers are working
        time.sleep(0.2)
    children = parent.children(recursive=True)
    proc.send_signal(sig)
    proc.wait()
    gone, alive = psutil.wait_procs(children, timeout=10)
    for p in alive:
        p.kill()
    assert not alive, [p.pid for p in alive]


# kind 6: the work one replication may do
def test_event_budget(tmp_path, capsys, monkeypatch):
    cfg = load_config(MINIMAL)
    with pytest.raises(EventBudgetExceeded, match="budget of 5 "):
        run_replication(cfg, np.random.SeedSequence(1), budget=5)
    monkeypatch.setattr(worker_module, "play", functools.partial(play, budget=5))
    assert _run(tmp_path / "out", 2) == 2
    err = capsys.readouterr().err
    assert "budget of 5" in err and cfg.programme.name in err and "Traceback" not in err


def test_event_budget_boundary():
    """A budget of exactly the events a replication takes is enough; one fewer (or none) is refused,
    and the events counted are the same whatever the budget; a negative budget is an error of its own."""
    cfg = load_config(MINIMAL)
    needed = run_replication(cfg, np.random.SeedSequence(3)).events
    assert needed > 0
    assert run_replication(cfg, np.random.SeedSequence(3), budget=needed).events == needed
    for budget in (needed - 1, needed // 2, 0):
        with pytest.raises(EventBudgetExceeded, match=f"budget of {budget:,} "):
            run_replication(cfg, np.random.SeedSequence(3), budget=budget)
    for budget in (-1, -needed):
        with pytest.raises(ValueError, match=f"budget: expected a number of events ≥ 0, got {budget}"):
            run_replication(cfg, np.random.SeedSequence(3), budget=budget)


@pytest.mark.parametrize("setup, args, message", [
    (lambda tmp: (tmp / "out" / "results.nc").mkdir(parents=True), lambda tmp: ["-o", str(tmp / "out")],
     "a folder of that name is in the way"),
    (lambda tmp: None, lambda tmp: ["-o", ""], "an empty folder name"),
    (lambda tmp: None, lambda tmp: ["-o", "  "], "an empty folder name"),
])
def test_unusable_output_is_refused_before_running(tmp_path, capsys, setup, args, message):
    setup(tmp_path)
    assert main(["run", MINIMAL, "-n", "4", "-q", *args(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
