"""Savings, costs, NPV and payback worked out by hand on deterministic configs (docs/model.md).

No turnover, fixed durations, approval certain: every date is known, so every money
series has a closed form. Expected values come from docs/model.md and
docs/model-interface.md ("Savings and costs"), never from running the model:

- a cumulative figure at month t is the exact integral of its run-rate from 0 to t
  (rates per month = £/yr ÷ 12) plus the lump sums at times <= t;
- a live service's case C = savings_fraction × combined budget has a staff part
  S = min(C, k × mean salary); each deleted post saves S/k from the moment it goes, and the
  non-staff part C − S ramps in linearly from go-live over ramp_months (here k × salary ≤ C,
  so each post saves its salary; tests/test_money.py covers the cap);
- with no leavers there is no attrition: the k posts go by redundancy at
  go-live + attrition_window_months, each costing redundancy_cost as a lump;
- NPV = ∫₀ᴴ net flow(t)·(1+r)^(−t/12) dt minus discounted lumps;
- payback, on the reviews alone (joint management left out) = −inf ("no deficit") if their
  cumulative net is never < 0 on the monthly grid, else the month after the last month with
  it < 0 (NaN beyond the horizon).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from conftest import run_one, service, small_config

# The shared small config (conftest.small_config): councils North and South, where nobody leaves,
# share services built by conftest.service: combined budget £1.6m (North £1.0m + South £0.6m),
# 20 posts (12 + 8), savings 10 % = £160k/yr, review 2 months, implementation 4, no consultation.
# With the schema's defaults (a committee every month from 0 that approves every case, no team cost,
# a 3.5 % discount rate): approved at ceil(review), live = approved + implementation.

NEVER = 10_000  # an earliest_start_month beyond any horizon here: the service never starts


def months(horizon):
    return np.arange(horizon + 1, dtype=float)


def money_close(actual, expected):
    """1e-6 relative; an absolute £1e-6 where the expected value is 0."""
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=1e-6, atol=1e-6)


# -- hand formulas ---------------------------------------------------------------------------


def ramp_rate(t, rate, start, ramp):
    """A run-rate ramping linearly from 0 at ``start`` to ``rate`` at ``start + ramp`` (a step when ramp = 0)."""
    t = np.asarray(t, dtype=float)
    if ramp == 0:
        return np.where(t >= start, rate, 0.0)
    return rate * np.clip((t - start) / ramp, 0.0, 1.0)


def ramp_cumulative(t, rate, start, ramp):
    """∫₀ᵗ ramp_rate/12: the triangle rate/12·(t−start)²/(2·ramp) during the ramp, then rate/12·(ramp/2 + t−start−ramp)."""
    t = np.asarray(t, dtype=float)
    u = np.maximum(t - start, 0.0)
    if ramp == 0:
        return rate / 12 * u
    during = rate / 12 * u**2 / (2 * ramp)
    after = rate / 12 * (ramp / 2 + (u - ramp))
    return np.where(u <= ramp, during, after)


DELTA = math.log(1.035) / 12  # (1.035)^(−t/12) = exp(−DELTA·t)


def discounted(flow_per_month, horizon, breakpoints, rate=0.035):
    """∫₀ᴴ flow(t)·(1+rate)^(−t/12) dt by adaptive quadrature, split at the kinks."""
    d = math.log(1 + rate) / 12
    edges = sorted({0.0, float(horizon), *[b for b in breakpoints if 0 < b < horizon]})
    total = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        val, _ = integrate.quad(lambda t: flow_per_month(t) * math.exp(-d * t), a, b, epsabs=1e-10, epsrel=1e-13, limit=200)
        total += val
    return total


# ----------------------------------------------------------------------------- (a) savings ramp


@pytest.mark.parametrize(
    "review, implementation, live_month",
    [
        (2, 4, 6.0),  # review 0-2, approved 2, implement 2-6: live 6
        (2.5, 2.5, 5.5),  # review 0-2.5, ready 2.5 -> meeting 3, implement 3-5.5: live 5.5 (ramp off the grid)
    ],
)
def test_single_service_savings_ramp(review, implementation, live_month):
    # R = 0.1 × (1.0m + 0.6m) = £160,000/yr, all non-staff (post_reduction_fraction 0), ramp 6 months from L
    # run-rate(t) = R·(t−L)/6 for L <= t <= L+6, R after
    # cumulative(t) = R/12·(t−L)²/12 during the ramp; R/12·(3 + t−L−6) after (triangle, then rectangle)
    # e.g. L = 6: at 9 -> 160000/12·9/12 = 10,000; at 12 -> 40,000; at 24 -> 40,000 + 12·13,333.33 = 200,000
    H = 24
    R, L = 160_000.0, live_month
    rec = run_one(small_config([service(review=review, implementation=implementation, ramp_months=6)], horizon=H))
    np.testing.assert_allclose(rec.live, [L], atol=1e-9)
    t = months(H)
    money_close(rec.savings_run_rate, ramp_rate(t, R, L, 6))
    money_close(rec.cumulative_savings, ramp_cumulative(t, R, L, 6))
    if L == 6.0:
        money_close(rec.cumulative_savings[[6, 9, 12, 24]], [0.0, 10_000.0, 40_000.0, 200_000.0])
    money_close(rec.cumulative_costs, np.zeros(H + 1))
    money_close(rec.cumulative_net, rec.cumulative_savings)


# ----------------------------------------------------------------------------- (b) one-off cost


@pytest.mark.parametrize("implementation", [8, 7.5])
def test_one_off_cost_spread_evenly_over_implementation(implementation):
    # review 0-2, approved 2, implement 2 .. 2+I; one_off_cost £120,000 spread evenly:
    # £120,000/I per month over [2, 2+I] -> cumulative_costs(t) = 120000·clip((t−2)/I, 0, 1)
    # I = 8:   at 4 -> 30,000; at 6 -> 60,000; at 10 -> 120,000
    # I = 7.5: £16,000/month; at 9 -> 112,000; at 10 -> 120,000
    H = 16
    rec = run_one(small_config([service(review=2, implementation=implementation, one_off_cost=120_000)], horizon=H))
    t = months(H)
    money_close(rec.cumulative_costs, 120_000 * np.clip((t - 2) / implementation, 0, 1))
    if implementation == 8:
        money_close(rec.cumulative_costs[[2, 4, 6, 10, 16]], [0, 30_000, 60_000, 120_000, 120_000])
    else:
        money_close(rec.cumulative_costs[[3, 9, 10]], [16_000, 112_000, 120_000])


# ----------------------------------------------------------------------------- (c) redundancy


@pytest.mark.parametrize("window, deletion_month", [(6, 12.0), (0, 6.0)])
def test_redundancy_after_attrition_window(window, deletion_month):
    # 20 posts (North 12, South 8), post_reduction_fraction 0.2 -> k = 4 posts; salary £30,000 each
    # live L = 6 (review 0-2, approved 2, implement 2-6); no leavers -> no attrition, no vacancies:
    # all 4 go by redundancy at D = L + window (window 6 -> 12; window 0 -> at go-live, 6)
    # costs: lump 4 × £20,000 = £80,000 at D
    # savings: staff 4 × 30,000 = £120,000/yr from D (step);
    #          non-staff max(0, 0.2 × 1.0m − 120,000) = £80,000/yr ramped over 4 months from 6 (6-10)
    # redundancies one at a time from the council with most filled ordinary posts: North 12>8, 11>8, 10>8, 9>8
    #   -> all 4 from North
    H = 24
    L, D = 6.0, deletion_month
    svc = service(
        review=2, implementation=4, budget={"North": 600_000, "South": 400_000}, savings_fraction=0.2,
        post_reduction_fraction=0.2, salary=30_000, attrition_window_months=window, redundancy_cost=20_000,
        ramp_months=4,
    )
    rec = run_one(small_config([svc], horizon=H))
    np.testing.assert_allclose(rec.live, [L], atol=1e-9)
    t = months(H)
    step = (t >= D).astype(float)
    money_close(rec.savings_run_rate, ramp_rate(t, 80_000, L, 4) + 120_000 * step)
    money_close(rec.cumulative_savings, ramp_cumulative(t, 80_000, L, 4) + 120_000 / 12 * np.maximum(t - D, 0))
    money_close(rec.cumulative_costs, 80_000 * step)
    money_close(rec.cumulative_net, rec.cumulative_savings - rec.cumulative_costs)
    deleted = np.asarray(rec.deleted).sum(axis=(1, 2))
    np.testing.assert_array_equal(deleted, (4 * step).astype(int))
    np.testing.assert_array_equal(np.asarray(rec.deleted)[H, :, 0], [4, 0])
    np.testing.assert_array_equal(np.asarray(rec.filled).sum(axis=(1, 2)), 20 - 4 * step.astype(int))
    if window == 6:
        # at 11: non-staff 80000/12·(2 + 1) = 20,000, no staff yet; at 12: 26,666.67 + 0; at 24: 80000/12·16 + 10000·12
        money_close(rec.cumulative_savings[[11, 12, 24]], [20_000, 80_000 / 12 * 4, 80_000 / 12 * 16 + 120_000])
        money_close(rec.savings_run_rate[[8, 11, 12]], [40_000, 80_000, 200_000])


# ----------------------------------------------------------------------------- (d) joint management


def test_joint_management_ramp_and_one_off():
    # saving £120,000/yr from month 3, ramp 6 (3-9); one-off £50,000 lump at month 3
    # the only service never starts (earliest_start beyond the horizon), so it adds nothing
    # run-rate: 0 to 3, 20,000·(t−3) over 3-9, 120,000 after
    # cumulative savings: 10,000·(t−3)²/12 over 3-9 (at 9: 30,000), then 30,000 + 10,000·(t−9)
    H = 24
    jm = {"saving_per_year": 120_000, "start_month": 3, "ramp_months": 6, "one_off_cost": 50_000}
    rec = run_one(small_config([service(earliest_start_month=NEVER)], horizon=H, joint_management=jm))
    t = months(H)
    money_close(rec.savings_run_rate, ramp_rate(t, 120_000, 3, 6))
    money_close(rec.cumulative_savings, ramp_cumulative(t, 120_000, 3, 6))
    money_close(rec.cumulative_savings[[3, 6, 9, 24]], [0, 7_500, 30_000, 180_000])
    money_close(rec.cumulative_costs, 50_000 * (t >= 3))
    money_close(rec.cumulative_net, rec.cumulative_savings - rec.cumulative_costs)


# ----------------------------------------------------------------------------- (e) team cost


def test_team_cost_only_while_review_or_implementation_under_way():
    # team_cost £10,000/month; review_teams 2; support 2; meetings at 0, 8, 16
    # S1: review 0-3, consultation 3-5, ready 5 -> meeting 8, implement 8-12
    # S2: review 0-1.5, ready 1.5 -> meeting 8, implement 8-10
    # something under way over [0, 3] ∪ [8, 12] (overlaps count once; waiting for committee costs nothing)
    # cumulative: 10,000·t to 3 (30,000), flat to 8, +10,000/month to 12 (70,000), flat after
    H = 16
    services = [
        service("S1", review=3, consultation_months=2, implementation=4),
        service("S2", review=1.5, implementation=2),
    ]
    rec = run_one(small_config(services, horizon=H, review_teams=2, support_capacity=2, committee_interval_months=8,
                     team_cost_per_month=10_000))
    np.testing.assert_allclose(rec.approved, [8, 8], atol=1e-9)
    np.testing.assert_allclose(rec.live, [12, 10], atol=1e-9)
    t = months(H)
    active = np.minimum(t, 3) + np.clip(t - 8, 0, 4)
    money_close(rec.cumulative_costs, 10_000 * active)
    money_close(rec.cumulative_costs[[1, 3, 5, 8, 10, 12, 16]], [10_000, 30_000, 30_000, 30_000, 50_000, 70_000, 70_000])


# ----------------------------------------------------------------------------- (f) NPV


def test_npv_constant_saving_and_lump_closed_form():
    # S = £120,000/yr from 0 (ramp 0), C = £50,000 at 0; H = 60; δ = ln(1.035)/12
    # NPV = S/12·(1 − e^{−δH})/δ − C
    H, S, C = 60, 120_000.0, 50_000.0
    jm = {"saving_per_year": S, "start_month": 0, "ramp_months": 0, "one_off_cost": C}
    rec = run_one(small_config([service(earliest_start_month=NEVER)], horizon=H, joint_management=jm))
    closed = S / 12 * (1 - math.exp(-DELTA * H)) / DELTA - C
    quad = discounted(lambda t: S / 12, H, []) - C
    assert closed == pytest.approx(quad, rel=1e-9)
    assert rec.npv == pytest.approx(closed, rel=1e-6)


def test_npv_ramped_saving_closed_form():
    # S = £120,000/yr ramped from a = 3 over w = 6; C = £50,000 at 3, discounted e^{−3δ}; H = 60
    # ∫_a^{a+w} (t−a)/w e^{−δt} dt = e^{−δa}·(1 − e^{−δw}(1 + δw)) / (w δ²)
    # ∫_{a+w}^H e^{−δt} dt = (e^{−δ(a+w)} − e^{−δH})/δ
    H, S, C, a, w = 60, 120_000.0, 50_000.0, 3.0, 6.0
    jm = {"saving_per_year": S, "start_month": a, "ramp_months": w, "one_off_cost": C}
    rec = run_one(small_config([service(earliest_start_month=NEVER)], horizon=H, joint_management=jm))
    d = DELTA
    ramp_part = math.exp(-d * a) * (1 - math.exp(-d * w) * (1 + d * w)) / (w * d * d)
    flat_part = (math.exp(-d * (a + w)) - math.exp(-d * H)) / d
    closed = S / 12 * (ramp_part + flat_part) - C * math.exp(-d * a)
    quad = discounted(lambda t: float(ramp_rate(t, S, a, w)) / 12, H, [a, a + w]) - C * math.exp(-d * a)
    assert closed == pytest.approx(quad, rel=1e-9)
    assert rec.npv == pytest.approx(closed, rel=1e-6)


def _full_service(**extra):
    # review 0-2, approved 2, implement 2-6, live 6; k = 4 posts by redundancy at 12 (window 6)
    # non-staff £80,000/yr ramped 6-10; staff £120,000/yr from 12; one-off £60,000 over 2-6 (£15,000/month);
    # redundancy lump £80,000 at 12
    svc = service(
        review=2, implementation=4, budget={"North": 600_000, "South": 400_000}, savings_fraction=0.2,
        post_reduction_fraction=0.2, salary=30_000, attrition_window_months=6, redundancy_cost=20_000,
        ramp_months=4, one_off_cost=60_000,
    )
    svc.update(extra)
    return svc


def _full_expected(t):
    """Hand cumulative savings and costs of _full_service with team_cost £10,000/month (review 0-2 + implementation 2-6)."""
    t = np.asarray(t, dtype=float)
    savings = ramp_cumulative(t, 80_000, 6, 4) + 10_000 * np.maximum(t - 12, 0)
    costs = 10_000 * np.clip(t, 0, 6) + 15_000 * np.clip(t - 2, 0, 4) + 80_000 * (t >= 12)
    return savings, costs


def test_npv_with_a_service_by_quadrature():
    # flows (£/month): + non-staff ramp 80,000/12·clip((t−6)/4) + staff 10,000 from 12
    #                  − team 10,000 over [0, 6] − one-off 15,000 over [2, 6]; lump −80,000 at 12
    H = 36
    rec = run_one(small_config([_full_service()], horizon=H, team_cost_per_month=10_000))

    def flow(t):
        s = float(ramp_rate(t, 80_000, 6, 4)) / 12 + (10_000 if t >= 12 else 0)
        c = (10_000 if t <= 6 else 0) + (15_000 if 2 <= t <= 6 else 0)
        return s - c

    expected = discounted(flow, H, [2, 6, 10, 12]) - 80_000 * math.exp(-DELTA * 12)
    assert rec.npv == pytest.approx(expected, rel=1e-6)
    savings, costs = _full_expected(months(H))
    money_close(rec.cumulative_savings, savings)
    money_close(rec.cumulative_costs, costs)


def test_npv_undiscounted_equals_cumulative_net_at_horizon():
    # discount_rate 0: NPV = cumulative_net(H)
    # by hand at H = 36: savings 80,000/12·(2 + 26) + 10,000·24 = 186,666.67 + 240,000 = 426,666.67
    #                    costs 60,000 (team) + 60,000 (one-off) + 80,000 (redundancy) = 200,000
    H = 36
    rec = run_one(small_config([_full_service()], horizon=H, team_cost_per_month=10_000, discount_rate=0))
    expected = 80_000 / 12 * 28 + 240_000 - 200_000
    assert rec.cumulative_net[H] == pytest.approx(expected, rel=1e-6)
    assert rec.npv == pytest.approx(rec.cumulative_net[H], rel=1e-9)


# ----------------------------------------------------------------------------- (g) payback


@pytest.mark.parametrize(
    "cost, payback",
    [
        (25_000, 5.0),  # net = 10,000·(t−2) − 25,000 from 2: −25k, −15k, −5k, +5k at 2..5 -> last month < 0 is 4 -> 5
        (37_000, 6.0),  # months 2..5 negative (−37k .. −7k), +3k at 6 -> 6
        (0, -np.inf),  # never in deficit (net 0 before go-live is not < 0) -> "no deficit", stored as −inf
        (10_000_000, np.nan),  # 10,000·22 = 220,000 < 10m: never recovers within the horizon -> NaN
    ],
)
def test_payback_month(cost, payback):
    # payback is judged on the reviews alone (docs/model.md, section 9): one service, review 0-2, approved 2, implementation 0
    # -> live 2 with its one-off cost C as a lump at 2; non-staff saving 0.075 × £1.6m = £120,000/yr (£10,000 a
    # month) from 2, no ramp. Joint management with a one-off of £1m would be in deficit throughout: it is left out.
    H = 24
    jm = {"saving_per_year": 12_000, "start_month": 0, "ramp_months": 0, "one_off_cost": 1_000_000}
    svc = service(review=2, implementation=0, savings_fraction=0.075, one_off_cost=cost)
    rec = run_one(small_config([svc], horizon=H, joint_management=jm))
    t = months(H)
    reviews = np.where(t >= 2, 10_000 * (t - 2) - cost, 0.0)
    money_close(rec.cumulative_net, reviews + 1_000 * t - 1_000_000)
    np.testing.assert_allclose(rec.payback_month, payback, atol=1e-9, equal_nan=True)


def test_payback_counts_from_the_last_deficit():
    # the reviews alone; review_teams 2, support 2, monthly meetings:
    # A: review 0-2, approved 2, implementation 0 -> live 2; one-off £25,000 lump at 2; £120,000/yr non-staff from 2
    # B: _full_service: live 6; non-staff £80,000/yr ramped 6-10; 4 posts by redundancy at 12 at £40,000 each
    #    (lump £160,000), each saving S/k = min(C, k × salary)/k = min(200,000, 120,000)/4 = £30,000/yr from 12
    # cumulative_net of the reviews:
    #   t=2..5:  10,000·(t−2) − 25,000  = −25,000, −15,000, −5,000, +5,000
    #   t=11: 65,000 + 80,000/12·3 = 85,000
    #   t=12: 75,000 + 80,000/12·4 − 160,000              = −58,333.33
    #   t=13: 85,000 + 80,000/12·5 + 10,000 − 160,000     = −31,666.67
    #   t=14: 95,000 + 80,000/12·6 + 20,000 − 160,000     = −5,000
    #   t=15: 105,000 + 80,000/12·7 + 30,000 − 160,000    = +21,666.67
    # in deficit at 2..4 and again at 12..14: the last month < 0 is 14 -> payback 15
    # joint management (£1m one-off at 0, £12,000/yr) keeps the total in deficit but does not count
    H = 24
    jm = {"saving_per_year": 12_000, "start_month": 0, "ramp_months": 0, "one_off_cost": 1_000_000}
    a = service("A", review=2, implementation=0, savings_fraction=0.075, one_off_cost=25_000)
    b = _full_service(name="B", redundancy_cost=40_000, one_off_cost=0)
    rec = run_one(small_config([a, b], horizon=H, joint_management=jm, review_teams=2, support_capacity=2))
    np.testing.assert_allclose(rec.live, [2, 6], atol=1e-9)
    reviews = rec.cumulative_net - (1_000 * months(H) - 1_000_000)
    money_close(reviews[[2, 4, 5, 11, 12, 13, 14, 15]],
                [-25_000, -5_000, 5_000, 85_000, 75_000 + 80_000 / 3 - 160_000,
                 85_000 + 100_000 / 3 + 10_000 - 160_000, -5_000, 105_000 + 140_000 / 3 + 30_000 - 160_000])
    np.testing.assert_allclose(rec.payback_month, 15.0, atol=1e-9)


# ----------------------------------------------------------------------------- (h) net = savings − costs


def test_cumulative_net_is_savings_minus_costs():
    # everything at once: JM ramp + lump, team cost, one-off, redundancy, savings ramp and step
    H = 36
    jm = {"saving_per_year": 90_000, "start_month": 1.5, "ramp_months": 5, "one_off_cost": 40_000}
    rec = run_one(small_config([_full_service()], horizon=H, joint_management=jm, team_cost_per_month=10_000))
    np.testing.assert_allclose(rec.cumulative_net, rec.cumulative_savings - rec.cumulative_costs, rtol=0, atol=1e-6)
    savings, costs = _full_expected(months(H))
    money_close(rec.cumulative_savings, savings + ramp_cumulative(months(H), 90_000, 1.5, 5))
    money_close(rec.cumulative_costs, costs + 40_000 * (months(H) >= 1.5))
