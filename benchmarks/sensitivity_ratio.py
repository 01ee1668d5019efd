"""Sensitivity cost against an ordinary run (issue 13): time(simshare sensitivity --method M) ÷ time(simshare run)
on the same config, both with their default -n, one worker, for M = tornado, morris, sobol. Target: ≤ 3.

Run from the repository root:  .venv/bin/python benchmarks/sensitivity_ratio.py [--quick] [--json PATH]

Each command runs as a user runs it (``python -m simshare ... -q``, start-up and file writing included),
one after another in this one run, so the ratios compare like with like on whatever machine runs them.
Both the wall-clock time and the CPU time of the command are measured: on a shared machine the CPU ratio
is the steadier of the two. ``--quick`` uses the small ``minimal.toml`` config instead of the flagship.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLAGSHIP = ROOT / "configs" / "chiltern_south_bucks.toml"
QUICK = ROOT / "configs" / "minimal.toml"
METHODS = ("tornado", "morris", "sobol")
TARGET = 3.0


def timed(args: list[str]) -> tuple[float, float, str]:
    """Run ``python -m simshare ARGS``; return its wall-clock seconds, its CPU seconds and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "simshare", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"simshare {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the small minimal.toml config, for a smoke test")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args()
    config = QUICK if args.quick else FLAGSHIP
    rows = []
    with tempfile.TemporaryDirectory(prefix="simshare-bench-") as tmp:
        run_wall, run_cpu, _ = timed(["run", str(config), "-q", "-o", str(Path(tmp) / "run")])
        print(f"{config.name}: simshare run (default -n): {run_wall:.1f} s wall, {run_cpu:.1f} s CPU", flush=True)
        for method in METHODS:
            wall, cpu, out = timed(["sensitivity", str(config), "--method", method, "-q", "-o", str(Path(tmp) / "s")])
            plan = out.splitlines()[0] if out else ""
            rows.append({"method": method, "wall_s": wall, "cpu_s": cpu, "ratio_wall": wall / run_wall,
                         "ratio_cpu": cpu / run_cpu, "plan": plan})
            print(f"  {method:<8} {wall:6.1f} s wall ({wall / run_wall:.2f} ×), {cpu:6.1f} s CPU "
                  f"({cpu / run_cpu:.2f} ×)  [{plan}]", flush=True)
    worst = max(max(r["ratio_wall"], r["ratio_cpu"]) for r in rows)
    print(f"worst ratio {worst:.2f} (target ≤ {TARGET:g}): {'met' if worst <= TARGET else 'NOT met'}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "config": config.name, "run_wall_s": run_wall, "run_cpu_s": run_cpu, "methods": rows,
            "target": TARGET, "machine": f"{os.cpu_count()}-core {platform.machine()}, Python {platform.python_version()}",
            "date": time.strftime("%Y-%m-%d"),
        }, indent=2) + "\n")
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
