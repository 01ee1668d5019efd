"""Backtest: where the Chiltern and South Bucks outturns fall in the simulated distributions.

The config (configs/chiltern_south_bucks.toml) is built from the shared evidence, not tuned to the
outturn; docs/validation.md reports the same backtest with 2,000 replications, its figures and what the
model gets wrong. Here a modest run (200 replications, fixed seed) checks only what is robust:

- the plan (reviews concluded by summer 2015 ≈ month 33 from October 2012) lies in the lower tail:
  P(reviews complete by month 33) < 0.2;
- the actual (the last business case, Planning, agreed by the Joint Committee in January 2017 ≈ month 51)
  lies within the central 90% of reviews_complete_month (at about its 62nd percentile with 2,000
  replications: later than the median, but too close to it for 200 replications to tell the side at 3
  standard errors, so that is not asserted);
- £1,897,200 a year (joint management + the 19 reviews, LGA peer challenge November 2017 ≈ month 61)
  lies within the central 90% of the savings run-rate at month 61, and in the lower tail of the run-rate
  at the horizon (the model's illustrative cost base promises more than the programme delivered).

The real partnership had not dissolved when each fact was recorded (its councils were abolished into one
in April 2020, month 90, with their services still shared), so each fact is compared with the futures in
which the partnership had not dissolved by the fact's month (docs/model.md, section 16.5): a future that
dissolved has no reviews to finish and keeps only a share of its savings.

Each empirical probability F̂ = #(x ≤ fact) / n comes with its binomial sampling error; a claim is
asserted on the Wilson score interval at z = 3 (about ±3 binomial standard errors), so Monte Carlo noise
alone fails a test with probability of order 0.1%: "in the lower tail" means the whole interval is
below 0.2; "within the central part" means the interval meets [0.05, 0.95] (the data do not show the fact
to lie outside it); "later than the median" means the whole interval is above 0.5.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import simshare

ROOT = Path(__file__).resolve().parent.parent
CSB = ROOT / "configs" / "chiltern_south_bucks.toml"

N, SEED = 200, 1
Z = 3.0                      # tolerance in binomial standard errors (Wilson score interval)

PLAN_MONTH = 33              # "conclude the programme of reviews by summer 2015" (parameters.md §4.1)
ACTUAL_MONTH = 51            # last review (Planning) reported January 2017 (§4.1)
PEER_MONTH = 61              # LGA corporate peer challenge, November 2017 (§4.1)
TOTAL_SAVINGS = 1_897_200    # £660,000 joint management + £1,237,200 from the 19 reviews, £/yr (§4.1)


def ecdf(x: np.ndarray, value: float, lasted: np.ndarray | None = None) -> tuple[float, int]:
    """F̂(value) = share of replications ≤ value (NaN = not reached = later than every month), and n;
    only the replications in ``lasted`` (a mask) when given."""
    a = np.asarray(x, dtype=float).ravel()
    if lasted is not None:
        a = a[lasted]
    a = np.where(np.isnan(a), np.inf, a)
    return float(np.mean(a <= value)), a.size


def wilson(p: float, n: int, z: float = Z) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (well behaved at p = 0 or 1, unlike p ± z·se)."""
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@pytest.fixture(scope="module")
def results():
    return simshare.simulate(str(CSB), replications=N, seed=SEED)


def lasted(results, month: float) -> np.ndarray:
    """The replications in which the partnership had not dissolved by ``month``."""
    d = np.asarray(results["dissolved_month"].values, dtype=float)
    return np.isnan(d) | (d > month)


def test_wilson_interval_is_about_three_standard_errors():
    p, n = 0.5, 400
    low, high = wilson(p, n)
    se = math.sqrt(p * (1 - p) / n)
    assert (high - low) / 2 == pytest.approx(Z * se, rel=0.02)
    assert wilson(0.0, 200)[0] == 0.0 and 0.0 < wilson(0.0, 200)[1] < 0.05


def test_the_plan_lies_in_the_lower_tail(results):
    p, n = ecdf(results["reviews_complete_month"].values, PLAN_MONTH, lasted(results, PLAN_MONTH))
    low, high = wilson(p, n)
    assert high < 0.2, f"P(reviews complete by month {PLAN_MONTH}) = {p:.3f} (interval {low:.3f}–{high:.3f})"


def test_the_actual_lies_in_the_central_part(results):
    p, n = ecdf(results["reviews_complete_month"].values, ACTUAL_MONTH, lasted(results, ACTUAL_MONTH))
    low, high = wilson(p, n)
    assert high >= 0.05 and low <= 0.95, (
        f"month {ACTUAL_MONTH} at the {100 * p:.1f}th percentile (interval {low:.3f}–{high:.3f}): outside P5–P95")


def test_the_savings_outturn_at_the_peer_challenge_lies_in_the_central_part(results):
    x = results["savings_run_rate"].sel(time=PEER_MONTH).values
    p, n = ecdf(x, TOTAL_SAVINGS, lasted(results, PEER_MONTH))
    low, high = wilson(p, n)
    assert high >= 0.05 and low <= 0.95, (
        f"£{TOTAL_SAVINGS:,}/yr at month {PEER_MONTH} at the {100 * p:.1f}th percentile (interval {low:.3f}–{high:.3f})")


def test_the_savings_outturn_lies_in_the_lower_tail_of_the_long_run(results):
    horizon = int(results["time"].values[-1])
    p, n = ecdf(results["savings_run_rate"].sel(time=horizon).values, TOTAL_SAVINGS, lasted(results, horizon))
    low, high = wilson(p, n)
    assert high < 0.2, (
        f"£{TOTAL_SAVINGS:,}/yr at the horizon at the {100 * p:.1f}th percentile (interval {low:.3f}–{high:.3f})")
