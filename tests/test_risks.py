"""The risks that sink real programmes (docs/model.md): risk drivers, precedence, each council's
own approval, dissolution and unsafe months; and the refusal of bad input for them.

Deterministic cases follow tests/test_deterministic_programme.py: every duration a plain number,
approval probability 1, nobody leaves, no post vacant at the start; each test shows its timeline worked
out by hand from the rules of docs/model.md. The dissolution probability is checked against the
exponential law at 4 standard errors over independent replications (fixed seed).
"""

from __future__ import annotations

import copy
import math
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import tomli_w

import simshare
from simshare.analysis.sensitivity.catalogue import select_parameters
from simshare.config import ConfigError, parameter_paths
from simshare.config.values import realise
from simshare.model.replication import run_replication

from conftest import council, run_one, small_config
from conftest import service as base_service

COUNCILS = [council("North"), council("South")]  # nobody leaves; a campaign takes 3 months


def service(name, review, implementation, consultation=0, **extra):
    """Budget £0.8m (North 0.5m + South 0.3m), 16 posts (10 + 6)."""
    keys = {"budget": {"North": 500_000, "South": 300_000}, "posts": {"North": 10, "South": 6}, **extra}
    return base_service(name, review=review, implementation=implementation, consultation=consultation, **keys)


def config(services, horizon=60, councils=None, drivers=None, **programme):
    prog = {"name": "risks test", "start": "2012-10-01", "review_teams": 1, "support_capacity": 1,
            "frontline_limit": 1, "committee_first_month": 0, "committee_interval_months": 1,
            "approval_probability": 1, "rework_months": 1, "team_turnover_annual": 0, "team_cost_per_month": 0,
            **programme}
    out = small_config(services, councils=councils or COUNCILS, horizon=horizon, **prog)
    if drivers is not None:
        out["drivers"] = copy.deepcopy(drivers)
    return out


def run(cfg_dict, seed=0):
    return run_one(cfg_dict, seed)


def close(actual, expected):
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float),
                               rtol=0, atol=1e-9, equal_nan=True)


# --------------------------------------------------------------------------- risk drivers (docs/model.md)


def test_driver_on_implementation_by_hand():
    # A: review 0-4, approved 4, implementation 8 × 1.5 = 12: live 16
    # B: review 4-7, approved 7, waits for the single slot until 16, implementation 6 × 1.5 = 9: live 25
    # the driver multiplies both services' implementation, not their reviews
    drivers = [{"name": "ICT maturity", "factor": 1.5, "applies_to": ["services.*.implementation_months"]}]
    rec = run(config([service("A", 4, 8), service("B", 3, 6)], drivers=drivers))
    close(rec.review_start, [0, 4])
    close(rec.approved, [4, 7])
    close(rec.live, [16, 25])
    # without the driver: A live 12, B starts 12, live 18
    rec0 = run(config([service("A", 4, 8), service("B", 3, 6)]))
    close(rec0.live, [12, 18])


def test_drawn_driver_is_an_input_and_multiplies_every_named_value():
    # factor uniform on [1, 2], recorded as drivers.Slow; one service's review (a once-per-replication
    # duration) and a council's approval lag (an occurrence) are both multiplied by the same draw
    drivers = [{"name": "Slow", "factor": {"dist": "uniform", "min": 1, "max": 2},
                "applies_to": ["services.A.review_months", "councils.*.approval_months"]}]
    councils = [dict(c, approval_months=2) for c in COUNCILS]
    cfg = simshare.load_config(config([service("A", 4, 5)], councils=councils, drivers=drivers))
    assert parameter_paths(cfg) == ["drivers.Slow"]
    for i in range(3):
        rec = run_replication(cfg, np.random.SeedSequence(7, spawn_key=(i,)))
        f = rec.inputs[0]
        assert 1 <= f <= 2
        # review 4f; ready at 4f, approved at the first monthly meeting ceil(4f), councils agree 2f later
        meeting = math.ceil(4 * f - 1e-7)
        close(rec.review_start, [0])
        close(rec.approved, [meeting + 2 * f])
        close(rec.live, [meeting + 2 * f + 5])


def test_driver_clips_and_rounds_into_the_key_domain():
    # a probability cannot exceed 1; a capacity stays a whole number ≥ 1
    drivers = [{"name": "Upbeat", "factor": 2.0, "applies_to": ["programme.approval_probability"]},
               {"name": "Thin", "factor": 0.3, "applies_to": ["programme.support_capacity"]}]
    cfg = simshare.load_config(config([service("A", 1, 1)], approval_probability=0.8, support_capacity=3,
                                      drivers=drivers))
    real = realise(cfg, [])
    assert real.programme.approval_probability == 1.0
    assert real.programme.support_capacity == 1


def test_driver_paths_in_overrides_and_sensitivity():
    drivers = [{"name": "ICT maturity", "factor": {"dist": "pert", "min": 0.9, "mode": 1.1, "max": 1.6},
                "applies_to": ["services.*.implementation_months"]}]
    raw = config([service("A", 4, 8)], drivers=drivers)
    cfg = simshare.load_config(raw)
    assert select_parameters(cfg, ["drivers.*"]) == ["drivers.ICT maturity"]
    fixed = simshare.load_config(raw, {"drivers.ICT maturity": 1.5})
    assert fixed.drivers[0].factor == 1.5 and parameter_paths(fixed) == []
    close(run_replication(fixed, np.random.SeedSequence(0)).live, [16])
    moved = simshare.load_config(raw, {"drivers.ICT maturity.mode": 1.3})
    assert moved.drivers[0].factor.get("mode") == 1.3
    moved = simshare.load_config(raw, {"drivers.ICT maturity.factor.max": 2.0})
    assert moved.drivers[0].factor.get("max") == 2.0
    with pytest.raises(ConfigError, match="no driver named 'Politics'"):
        simshare.load_config(raw, {"drivers.Politics": 1.2})


# --------------------------------------------------------------------------- precedence (docs/model.md)


def test_precedence_holds_a_service_until_ict_is_live_while_another_overtakes():
    # three review teams, two implementation slots, meetings monthly
    # Planning: review 0-2, approved 2; it comes after ICT, so it waits (holding no slot)
    # ICT:      review 0-4, approved 4, implements 4-14 (slot 1)
    # HR:       review 0-6, approved 6, implements 6-8 (slot 2): approved after Planning, but Planning waits
    # ICT live 14: Planning implements 14-17
    services = [service("Planning", 2, 3, after=["ICT"]), service("ICT", 4, 10), service("HR", 6, 2)]
    rec = run(config(services, review_teams=3, support_capacity=2))
    close(rec.approved, [2, 4, 6])
    close(rec.live, [17, 14, 8])
    close(rec.programme_complete_month, 17)
    # without precedence Planning implements at once: 2-5
    services[0].pop("after")
    close(run(config(services, review_teams=3, support_capacity=2)).live, [5, 14, 8])


def test_precedence_on_several_services():
    # C waits for both A (live 5) and B (live 9): C approved 3, starts 9, live 10
    services = [service("A", 1, 4), service("B", 2, 7), service("C", 3, 1, after=["A", "B"])]
    rec = run(config(services, review_teams=3, support_capacity=3))
    close(rec.approved, [1, 2, 3])
    close(rec.live, [5, 9, 10])


# --------------------------------------------------------------------------- council approvals (docs/model.md)


def test_council_approval_lag_by_hand():
    # North's executive agrees 2 months after the committee, South's 3: the slowest sets `approved`
    # A (both councils): review 0-4, committee 4, councils agree at 7, implements 7-12
    # B (North only):    review 4-6, committee 6, North agrees at 8, waits for the slot until 12, live 14
    councils = [dict(COUNCILS[0], approval_months=2), dict(COUNCILS[1], approval_months=3)]
    b = service("B", 2, 2, budget={"North": 200_000}, posts={"North": 4})
    rec = run(config([service("A", 4, 5), b], councils=councils))
    close(rec.approved, [7, 8])
    close(rec.live, [12, 14])
    close(rec.reviews_complete_month, 8)
    assert rec.reviews_complete[6] == 0 and rec.reviews_complete[7] == 1 and rec.reviews_complete[8] == 2


def test_council_approval_is_drawn_per_council_and_service():
    # lag uniform on [1, 5] in each council: `approved` = committee month + the larger of the two draws,
    # so it lies in (4 + 1, 4 + 5) and differs between replications
    councils = [dict(c, approval_months={"dist": "uniform", "min": 1, "max": 5}) for c in COUNCILS]
    cfg = simshare.load_config(config([service("A", 4, 5)], councils=councils))
    approved = [run_replication(cfg, np.random.SeedSequence(3, spawn_key=(i,))).approved[0] for i in range(40)]
    assert all(5 < a < 9 for a in approved)
    assert len(set(approved)) == 40
    # the larger of two independent uniforms on [1, 5]: mean 1 + 4·2/3, sd 4·√(1/18)
    se = 4 * math.sqrt(1 / 18) / math.sqrt(len(approved))
    assert abs(np.mean(approved) - (4 + 1 + 8 / 3)) < 4 * se


# --------------------------------------------------------------------------- dissolution (docs/model.md)

HAZARD = 0.3   # a year
FIRST_LIVE = 3.0


def _dissolution_config(hazard=HAZARD, horizon=60, **programme):
    # one service: review 0-1, approved 1, implements 1-3, live 3; nothing random but the dissolution
    return config([service("A", 1, 2)], horizon=horizon, dissolution_annual=hazard, **programme)


def test_dissolution_probability_follows_the_hazard():
    """P(dissolved by month t) = 1 − exp(−h·(t − first go-live)/12), each t within 4 SE."""
    cfg = simshare.load_config(_dissolution_config())
    n = 3000
    months = np.array([run_replication(cfg, np.random.SeedSequence(11, spawn_key=(i,))).dissolved_month
                       for i in range(n)])
    finite = months[np.isfinite(months)]
    assert np.all(finite >= FIRST_LIVE) and np.all(finite <= 60)
    for t in (6, 12, 24, 36, 60):
        p = 1 - math.exp(-HAZARD * (t - FIRST_LIVE) / 12)
        hat = float(np.mean(np.nan_to_num(months, nan=np.inf) <= t))
        se = math.sqrt(p * (1 - p) / n)
        assert abs(hat - p) < 4 * se, (t, hat, p, se)


def test_no_dissolution_without_hazard_or_go_live():
    assert math.isnan(run(_dissolution_config(hazard=0.0)).dissolved_month)
    # a case never approved never goes live: the hazard never starts
    assert math.isnan(run(_dissolution_config(hazard=50.0, approval_probability=0)).dissolved_month)


def test_after_dissolution_by_hand():
    """North's two posts are vacant for good (initial vacancy 1, every campaign fails); South's eight
    are filled; safe_staffing 0.5. Service A (both councils): review 0-1, approved 1, live 3. Pooled,
    8/10 staffed is safe for both councils; apart, North (0/2) is unsafe and South (8/8) safe.

    The hazard is as high as a config may ask (100 a year, 8.3 a month) so that the partnership dissolves
    within a month of go-live (3 ≤ D < 4; the exact D comes from the seed). Service B (North only) is then under review (3-13): it stops, never approved.
    Service C is approved at 2 and implementing (2-22, £20,000 a month) on one of two slots: abandoned, its
    remaining cost never spent, its disruption (0.5) ended. Unwinding takes 4 months: from D + 4 A is
    separate again, the savings in force (A's £80,000 a year: 10 % of £800,000, no posts to go) fall to
    the retained 25 % (£20,000 a year), and the £100,000 dissolution cost falls.
    """
    councils = [dict(COUNCILS[0], initial_vacancy_rate=1.0, recruitment_failure=1.0), dict(COUNCILS[1])]
    services = [
        service("A", 1, 2, budget={"North": 500_000, "South": 300_000}, posts={"North": 2, "South": 8}),
        service("B", 10, 2, budget={"North": 100_000}, posts={"North": 3}),
        service("C", 2, 20, one_off_cost=400_000, implementation_disruption=0.5,
                budget={"South": 100_000}, posts={"South": 4}),
    ]
    cfg = config(services, horizon=36, councils=councils, review_teams=3, support_capacity=2,
                 safe_staffing=0.5, dissolution_annual=100, unwind_months=4, savings_retained=0.25,
                 dissolution_cost=100_000, order=["A", "C", "B"])
    cfg["services"][1]["earliest_start_month"] = 3  # B's review starts at 3 (after A's go-live)
    cfg["services"][1]["review_months"] = 10
    rec = run(cfg)
    D = rec.dissolved_month
    assert 3 <= D < 4
    close(rec.review_start, [0, 3, 0])
    close(rec.approved, [1, math.nan, 2])
    close(rec.live, [3, math.nan, math.nan])
    close(rec.reviews_complete_month, math.nan)
    # savings: A's £80,000 a year from 3 until the unwinding at D + 4 (just after month 7), then 25 % of it
    t = np.arange(37)
    close(rec.savings_run_rate, np.where(t < 3, 0.0, np.where(t <= 7, 80_000.0, 20_000.0)))
    # costs: C's £20,000 a month from 2 until D, then nothing; £100,000 at D + 4
    assert rec.cumulative_costs[3] == pytest.approx(20_000.0 * 1)
    assert rec.cumulative_costs[7] == pytest.approx(20_000.0 * (D - 2))
    assert rec.cumulative_costs[8] == pytest.approx(20_000.0 * (D - 2) + 100_000)
    assert rec.cumulative_costs[36] == pytest.approx(20_000.0 * (D - 2) + 100_000)
    # services live: 1 from 3 until the unwinding, 0 after
    close(rec.services_live, np.where((t >= 3) & (t <= 7), 1, 0))
    # resilience of North (A weighs 500k, B 100k): A unsafe apart (0/2) and safe pooled (8/10); B (0/3 vacant
    # for good, never shared) unsafe throughout. So 0 before go-live, 5/6 while A is shared, 0 after unwinding.
    north = rec.resilience[:, 0]
    close(north[:3], [0, 0, 0])
    close(north[3:8], np.full(5, 500 / 600))
    close(north[8:], np.zeros(29))
    # South: A safe (8/8 apart), C disrupted 0.5 while implementing (4/4 − 0.5 = 0.5 ≥ 0.5: safe): always 1
    close(rec.resilience[:, 1], np.ones(37))
    # unsafe months: North's A months 0-2 and 8-36 (3 + 29), North's B all 37; nothing in South
    np.testing.assert_array_equal(rec.unsafe_months, [[32, 37, 0], [0, 0, 0]])


def test_joint_management_not_started_never_starts_after_dissolution():
    """Joint management due at month 20 (£50,000 one-off, £120,000 a year): the partnership dissolves within
    a month of service A's go-live at 3 (hazard 100 a year), so neither its cost nor its saving comes; with no
    hazard both do (the same config otherwise)."""
    jm = {"saving_per_year": 120_000, "start_month": 20, "ramp_months": 0, "one_off_cost": 50_000}
    services = [service("A", 1, 2)]
    common = dict(horizon=36, joint_management=jm, unwind_months=1, savings_retained=0.5, order=["A"])
    dissolved = run(config(services, dissolution_annual=100, **common))
    assert 3 <= dissolved.dissolved_month < 4
    kept = run(config(services, **common))
    assert kept.cumulative_costs[36] == pytest.approx(50_000)
    assert kept.savings_run_rate[36] == pytest.approx(120_000 + 80_000)
    assert dissolved.cumulative_costs[36] == pytest.approx(0.0)
    assert dissolved.savings_run_rate[36] == pytest.approx(0.5 * 80_000)  # A's £80,000 a year, half retained


def test_dissolution_re_establishes_deleted_posts():
    """A deletes round(0.5 × 16) = 8 posts at go-live (3), by redundancy (window 0), from the council with
    the most filled posts, one at a time: North 10 → 6 → ... Ties go to config order. After unwinding
    (D + 2, D just after 3), 0.75 × 8 = 6 of the deleted posts come back as vacancies, shared by largest
    remainder (North 4.5, South 1.5: 4 + 1, and the tie for the sixth goes to North, first in the config),
    filled 3 months later (recruitment_months 3)."""
    cfg = config([service("A", 1, 2, post_reduction_fraction=0.5, attrition_window_months=0)], horizon=24,
                 dissolution_annual=100, unwind_months=2, savings_retained=0.25)
    rec = run(cfg)
    deleted = rec.deleted[:, :, 0]
    # redundancies: North 10, South 6 -> take from the larger each time: N9,N8,N7,N6(=South 6, tie->North)
    # N5, then S5? no: after N5 (5 vs 6) South 5, then N? (5 vs 5 tie -> North) N4, South 4: North 6, South 2
    close(deleted[3], [6, 2])
    # unwinding at D + 2 (month 5): North re-establishes 5, South 1
    close(deleted[6], [1, 1])
    close(rec.vacant[6, :, 0], [5, 1])
    close(rec.vacant[9, :, 0], [0, 0])   # filled 3 months later
    close(rec.filled[9, :, 0], [9, 5])


def test_re_established_posts_match_the_savings_kept_on_average():
    """One post deleted in each of two councils, half the savings kept: one post comes back, not two (as
    rounding half up per council gave) nor none. With one council losing one post and a quarter kept, the
    post comes back in 3 futures out of 4 (random rounding, right on average), within 4 standard errors."""
    def services(posts):
        return [service("A", 1, 2, post_reduction_fraction=0.25, attrition_window_months=0,
                        budget={c: 400_000 for c in posts}, posts=posts)]
    both = config(services({"North": 4, "South": 4}), horizon=12, dissolution_annual=100, unwind_months=1,
                  savings_retained=0.5)
    rec = run(both)
    assert np.asarray(rec.deleted)[3, :, 0].sum() == 2 and np.asarray(rec.deleted)[12, :, 0].sum() == 1
    one = config(services({"North": 4}), horizon=12, dissolution_annual=100, unwind_months=1, savings_retained=0.25)
    cfg = simshare.load_config(one)
    back = np.array([run_replication(cfg, np.random.SeedSequence(5, spawn_key=(i,))).deleted[12, 0, 0] == 0
                     for i in range(400)], dtype=float)
    se = math.sqrt(0.75 * 0.25 / len(back))
    assert abs(back.mean() - 0.75) < 4 * se, back.mean()


def test_dissolution_is_accounted_per_council_and_service():
    """Dissolution in the money ledger (issue 10 × issue 11): the example of
    test_after_dissolution_by_hand with joint management (£60,000 a year from month 0, £10,000 one-off),
    realisation 0.5, pay harmonisation and a cost-sharing table. Every council's figures still sum to the
    totals every month; C's abandoned implementation stops costing its councils at D; after unwinding
    (just after month 7) each council keeps 25 % of its own savings in force, and so do the reviews and
    joint management apart; the £100,000 dissolution cost is split like the team's cost (the table)."""
    councils = [dict(COUNCILS[0], initial_vacancy_rate=1.0, recruitment_failure=1.0), dict(COUNCILS[1])]
    services = [
        service("A", 1, 2, budget={"North": 500_000, "South": 300_000}, posts={"North": 2, "South": 8},
                realisation=0.5, pay_harmonisation=0.02, harmonisation_cost=5_000),
        service("B", 10, 2, budget={"North": 100_000}, posts={"North": 3}),
        service("C", 2, 20, one_off_cost=400_000, implementation_disruption=0.5,
                budget={"South": 100_000}, posts={"South": 4}),
    ]
    cfg = config(services, horizon=36, councils=councils, review_teams=3, support_capacity=2,
                 safe_staffing=0.5, dissolution_annual=100, unwind_months=4, savings_retained=0.25,
                 dissolution_cost=100_000, order=["A", "C", "B"], cost_sharing={"North": 0.6, "South": 0.4},
                 joint_management={"saving_per_year": 60_000, "one_off_cost": 10_000})
    cfg["services"][1]["earliest_start_month"] = 3
    cfg["services"][1]["review_months"] = 10
    rec = run(cfg)
    D = rec.dissolved_month
    assert 3 <= D < 4
    t = np.arange(37)
    # the councils' figures sum to the totals, every month
    close(rec.council_savings_run_rate.sum(axis=1), rec.savings_run_rate)
    np.testing.assert_allclose(rec.council_cumulative_net.sum(axis=1), rec.cumulative_net, rtol=1e-9, atol=1e-6)
    assert rec.council_npv.sum() == pytest.approx(rec.npv, rel=1e-9, abs=1e-6)
    # savings: joint management £60,000 throughout; A (realisation 0.5: £40,000) from 3; after unwinding 25 %
    close(rec.service_savings_run_rate, np.where(t < 3, 0.0, np.where(t <= 7, 40_000.0, 10_000.0)))
    close(rec.savings_run_rate, np.where(t < 3, 60_000.0, np.where(t <= 7, 100_000.0, 25_000.0)))
    # each council keeps 25 % of its own share in force (by the table: 60 % North, 40 % South)
    close(rec.council_savings_run_rate[8:], 0.25 * rec.council_savings_run_rate[7][None, :].repeat(29, 0))
    close(rec.council_savings_run_rate[7], [60_000.0, 40_000.0])
    # C's implementation (£20,000 a month from 2) stops at D; its councils pay nothing after
    costs_after = rec.cumulative_costs[36] - rec.cumulative_costs[8]
    costs_between = rec.cumulative_costs[7] - rec.cumulative_costs[4]
    # after month 8 only A's pay harmonisation runs on (a constant rate), so 28 months cost 28/3 of 3 months
    assert costs_after == pytest.approx(costs_between * 28 / 3, rel=1e-9)
    assert rec.cumulative_costs[8] - rec.cumulative_costs[7] == pytest.approx(100_000 + costs_between / 3, rel=1e-9)
    # what C cost: £20,000 × (D − 2), not the whole £400,000 (A's harmonisation runs 3 → 36: 33 months)
    spent_c = rec.cumulative_costs[36] - 10_000 - 5_000 - 100_000 - costs_between * 33 / 3
    assert spent_c == pytest.approx(20_000.0 * (D - 2), rel=1e-6)
    # the reviews apart: joint management's retained saving outweighs its one-off cost
    assert rec.npv > rec.npv_services


# --------------------------------------------------------------------------- bad input: exit 2 naming the key


def _bad(change):
    cfg = config([service("A", 4, 8), service("B", 3, 6)],
                 drivers=[{"name": "ICT maturity", "factor": 1.2, "applies_to": ["services.*.implementation_months"]}])
    change(cfg)
    return cfg


BAD = {
    "driver path names nothing": (
        lambda c: c["drivers"][0].update(applies_to=["services.*.implementation_month"]),
        ('drivers["ICT maturity"].applies_to[0]', "'services.*.implementation_month'", "ICT maturity")),
    "driver on a plain number": (
        lambda c: c["drivers"][0].update(applies_to=["programme.horizon_months"]),
        ('drivers["ICT maturity"].applies_to[0]', "programme.horizon_months")),
    "precedence cycle": (
        lambda c: (c["services"][0].update(after=["B"]), c["services"][1].update(after=["A"])),
        ('services["A"].after', "cycle", "'A' → 'B' → 'A'")),
    "self-dependency": (
        lambda c: c["services"][1].update(after=["B"]),
        ('services["B"].after[0]', "'B'", "itself")),
    "unknown service in after": (
        lambda c: c["services"][0].update(after=["Payroll"]),
        ('services["A"].after[0]', "unknown service 'Payroll'")),
    "after a service left out of the order": (
        lambda c: (c["programme"].update(order=["B"]), c["services"][1].update(after=["A"])),
        ('services["B"].after[0]', "'A' is not in programme.order")),
    "negative hold": (
        lambda c: c["councils"][0].update(vacancy_hold_months=-1),
        ('councils["North"].vacancy_hold_months', "-1")),
    "negative approval lag": (
        lambda c: c["councils"][1].update(approval_months={"dist": "normal", "mean": 1, "sd": 1}),
        ('councils["South"].approval_months',)),
    "negative hazard": (
        lambda c: c["programme"].update(dissolution_annual=-0.05),
        ("programme.dissolution_annual", "-0.05")),
    "retained share above 1": (
        lambda c: c["programme"].update(savings_retained=1.5),
        ("programme.savings_retained", "1.5")),
    "duplicate driver name": (
        lambda c: c["drivers"].append(dict(c["drivers"][0])),
        ("drivers[1].name", "duplicate")),
}


def _validate(path):
    return subprocess.run([sys.executable, "-m", "simshare", "validate", str(path)],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def bad_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad_risks")
    paths = {}
    for i, (name, (change, _)) in enumerate(BAD.items()):
        paths[name] = folder / f"case{i}.toml"
        paths[name].write_text(tomli_w.dumps(_bad(change)), encoding="utf-8")
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(paths, pool.map(_validate, paths.values())))


def test_the_valid_base_is_valid():
    simshare.load_config(_bad(lambda c: None))


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_exits_2_naming_the_key(bad_results, name):
    proc = bad_results[name]
    report = f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert "Traceback" not in proc.stdout + proc.stderr, report
    assert proc.returncode == 2, report
    expect = BAD[name][1]
    assert any(all(part in line for part in expect) for line in proc.stderr.splitlines()), report


@pytest.mark.parametrize("factor", [0, {"dist": "discrete", "values": [0, 1]}, {"dist": "uniform", "min": 0, "max": 2}])
@pytest.mark.parametrize("applies_to", [["programme.committee_interval_months"], ["*"]])
def test_driver_that_can_be_zero_on_a_key_that_must_stay_positive_is_refused(factor, applies_to):
    raw = config([service("A", 1, 2)], drivers=[{"name": "politics", "factor": factor, "applies_to": applies_to}])
    with pytest.raises(ConfigError, match=r'drivers\["politics"\]\.factor: can be 0.*committee_interval_months'):
        simshare.load_config(raw)


@pytest.mark.parametrize("driver, expected", [
    ({"name": "a.mode", "factor": 1.2, "applies_to": ["services.*.review_months"]}, "must not contain '.' or '*'"),
    ({"name": "a*", "factor": 1.2, "applies_to": ["services.*.review_months"]}, "must not contain '.' or '*'"),
    ({"name": "x", "factor": 1.2, "applies_to": ["services.*.review_months"] * 2}, "appears twice"),
])
def test_driver_names_and_paths_are_unambiguous(driver, expected):
    with pytest.raises(ConfigError, match=re.escape(expected)):
        simshare.load_config(config([service("A", 1, 2)], drivers=[driver]))


def test_after_names_a_service_once():
    with pytest.raises(ConfigError, match=r"""services\["B"\]\.after: 'A' appears twice"""):
        simshare.load_config(config([service("A", 1, 2), service("B", 1, 2, after=["A", "A"])]))
