"""How long ``simshare optimise`` takes against a plain ``simshare run`` of the same programme (issue 14).

Run from the repository root:  .venv/bin/python benchmarks/optimise_ratio.py [--quick] [--trials K] [-n N]

On the flagship config (configs/chiltern_south_bucks.toml) it times, in one process and one run, a plain
``simshare run -n N`` and ``simshare optimise`` over the order, the review teams and the support capacity
with a resilience floor (``--trials K -n N --final-replications F --finalists 3``). It reports the wall-time
ratio optimise ÷ run, and that ratio against the ratio of replications run ((K + 1) × N + 4 × F against
N): the optimiser's own overhead (optuna, loading each candidate's config, writing each round) is the
excess over 1. The plain run is timed before and after the search; the faster counts.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simshare.interface.cli import main as simshare  # noqa: E402

CONFIG = str(ROOT / "configs" / "chiltern_south_bucks.toml")
FLOOR = "lowest_resilience>=0.55@P90"
LEVERS = ["programme.order", "programme.review_teams", "programme.support_capacity"]


def timed(args: list[str]) -> float:
    out = io.StringIO()
    t = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = simshare(args)
    elapsed = time.perf_counter() - t
    if code != 0:
        raise SystemExit(f"simshare {' '.join(args)} exited {code}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="6 trials instead of 20")
    parser.add_argument("--trials", type=int, default=None)
    parser.add_argument("-n", type=int, default=50, help="replications per candidate and of the plain run")
    parser.add_argument("--final", type=int, default=100, help="replications of the final round")
    args = parser.parse_args()
    trials = args.trials or (6 if args.quick else 20)
    n, final = args.n, args.final
    with tempfile.TemporaryDirectory() as tmp:
        run = ["run", CONFIG, "-n", str(n), "-q", "-o", f"{tmp}/run"]
        before = timed(run)
        opt = timed(["optimise", CONFIG, "--levers", *LEVERS, "--floor", FLOOR, "--trials", str(trials), "-n", str(n),
                     "--final-replications", str(final), "--finalists", "3", "-q", "-o", f"{tmp}/opt"])
        after = timed(run)
        record = json.loads(Path(f"{tmp}/opt/optimise.json").read_text())
    plain = min(before, after)
    replications = (trials + 1) * n + 4 * final
    ratio, ideal = opt / plain, replications / n
    result = {"config": "chiltern_south_bucks", "trials": trials, "n": n, "final_replications": final,
              "run_s": round(plain, 2), "optimise_s": round(opt, 2), "ratio": round(ratio, 1),
              "replication_ratio": round(ideal, 1), "overhead": round(ratio / ideal, 2),
              "outcome": record["outcome"], "machine": f"{platform.machine()}, Python {platform.python_version()}"}
    print(json.dumps(result, indent=1))
    print(f"optimise ÷ run = {opt:.1f} s ÷ {plain:.1f} s = {ratio:.1f} (replications {replications} ÷ {n} = "
          f"{ideal:.1f}; overhead {ratio / ideal:.2f})")


if __name__ == "__main__":
    main()
