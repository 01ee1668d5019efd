"""Peak memory of ``simshare run`` (and of ``simshare report``) at n and 10 n replications (issue 13).

Run from the repository root:

    .venv/bin/python benchmarks/memory_ratio.py            # flagship 1 600 / 16 000, 50 councils 500 / 5 000
    .venv/bin/python benchmarks/memory_ratio.py --quick    # 200 / 2 000 and 100 / 1 000: a smoke run
    .venv/bin/python benchmarks/memory_ratio.py --json benchmarks/memory.json

Each command runs in a fresh process (``python -m simshare.interface.cli``, two worker processes, chunks
of 50 replications: the default for two workers from 400 replications on, fixed so that n and 10 n run
alike).
Its peak memory is the largest sum, over the command's whole process tree (the command and its
workers), of the resident set size, sampled every 20 ms with psutil (installed with the test extra).
Shared pages of forked workers are counted once per process, so the figure errs high, alike at n
and 10 n. The ratio 10 n ÷ n is the figure that matters (target ≤ 1.5): it says whether memory grows
with the number of replications. ``report`` is measured on the results file the run wrote.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
#: replications per task, as the default gives for two workers from 400 replications on: fixed so that n and
#: 10 n run the same chunks (a worker holds one chunk's arrays; below 400 the default chunks are smaller)
CHUNK = 50
CONFIGS = {  # config -> n (full) and n (quick); each is also run at 10 n
    "chiltern_south_bucks": (1600, 200),
    "legal_partnership": (500, 100),
}


def peak_rss(args: list[str], repo: Path = ROOT, interval: float = 0.02) -> tuple[float, float]:
    """Run ``python -m simshare.interface.cli ARGS`` from ``repo``; return (peak MiB of the process tree, seconds)."""
    env = dict(os.environ, PYTHONPATH=str(repo) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "simshare.interface.cli", *args], cwd=repo, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        total = 0
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        for p in tree:
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        peak = max(peak, total)
        time.sleep(interval)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.wait() != 0:
        raise SystemExit(f"simshare {' '.join(args)} failed:\n{err[-2000:]}")
    return peak / 2**20, time.perf_counter() - t0


def measure(config: str, n: int, workdir: Path, repo: Path = ROOT) -> dict:
    """Peak memory of ``run`` and of ``report`` at n and 10 n for one config (the code of ``repo``)."""
    out: dict = {"config": config}
    for label, reps in (("n", n), ("10n", 10 * n)):
        folder = workdir / f"{config}-{reps}"
        run_mib, run_s = peak_rss(["run", str(ROOT / "configs" / f"{config}.toml"), "-n", str(reps), "--workers", "2",
                                   "--chunk-size", str(CHUNK), "-q", "--seed", "1", "-o", str(folder)], repo)
        report_mib, report_s = peak_rss(["report", str(folder / "results.nc")], repo)
        out[label] = {"replications": reps, "run_MiB": round(run_mib, 1), "run_s": round(run_s, 1),
                      "report_MiB": round(report_mib, 1), "report_s": round(report_s, 1)}
        print(f"  {config} n={reps:>6}: run {run_mib:7.1f} MiB ({run_s:6.1f} s), "
              f"report {report_mib:7.1f} MiB ({report_s:5.1f} s)", flush=True)
    out["run_ratio"] = round(out["10n"]["run_MiB"] / out["n"]["run_MiB"], 2)
    out["report_ratio"] = round(out["10n"]["report_MiB"] / out["n"]["report_MiB"], 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller n (a smoke run)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--configs", nargs="+", choices=list(CONFIGS), default=list(CONFIGS))
    parser.add_argument("--n", type=int, metavar="N", help="n for every config chosen (overrides the defaults)")
    parser.add_argument("--repo", type=Path, default=ROOT,
                        help="measure the simshare of another checkout (e.g. before a change); default this one")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="simshare-memory-") as tmp:
        for config in args.configs:
            n = args.n or CONFIGS[config][1 if args.quick else 0]
            results.append(measure(config, n, Path(tmp), args.repo.resolve()))
    print("\npeak memory of the process tree, 10 n ÷ n (target ≤ 1.5):")
    for r in results:
        print(f"  {r['config']}: run {r['10n']['run_MiB']:.0f} ÷ {r['n']['run_MiB']:.0f} MiB = {r['run_ratio']:.2f}; "
              f"report {r['10n']['report_MiB']:.0f} ÷ {r['n']['report_MiB']:.0f} MiB = {r['report_ratio']:.2f}")
    if args.json:
        meta = {"date": time.strftime("%Y-%m-%d"), "machine": f"{os.cpu_count()}-core {platform.machine()}",
                "python": platform.python_version(), "quick": args.quick}
        Path(args.json).write_text(json.dumps({"meta": meta, "results": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
