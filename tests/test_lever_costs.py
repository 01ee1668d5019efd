"""The capacity levers carry their costs (docs/model.md, "Lever costs"): each review slot costs
``review_team_cost_per_month`` from the programme start to the last approval, each implementation slot
``support_slot_cost_per_month`` to the last go-live; worked out by hand on a deterministic programme."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import run_one, service, small_config

# Two services, one review slot, one implementation slot, a committee every month approving everything:
# S1 is reviewed 0–2, approved at 2, implemented 2–6, live at 6; S2 is reviewed 2–4, approved at 4,
# waits for the slot, implemented 6–10, live at 10. Last approval: month 4; last go-live: month 10.
REVIEW, SUPPORT = 5_000.0, 3_000.0


def _config(horizon: int = 24, discount_rate: float = 0.0, **programme) -> dict:
    return small_config([service("S1"), service("S2")], horizon=horizon, discount_rate=discount_rate, **programme)


def _costs(horizon: int = 24, discount_rate: float = 0.0, **programme):
    """(with lever costs, without) records of the same programme."""
    return (run_one(_config(horizon, discount_rate, review_team_cost_per_month=REVIEW,
                            support_slot_cost_per_month=SUPPORT, **programme)),
            run_one(_config(horizon, discount_rate, **programme)))


def test_the_milestones_the_hand_figures_rest_on():
    rec = run_one(_config())
    assert list(rec.approved) == [2.0, 4.0]
    assert list(rec.live) == [6.0, 10.0]


@pytest.mark.parametrize("teams, slots", [(1, 1), (2, 1), (1, 3)])
def test_each_slot_costs_from_the_start_to_its_stage_end(teams, slots):
    with_cost, without = _costs(review_teams=teams, support_capacity=slots)
    # with two review teams S2 is approved at 2 as well; with three support slots S2 goes live at 8
    last_approval, last_live = float(np.nanmax(with_cost.approved)), float(np.nanmax(with_cost.live))
    assert (last_approval, last_live) == ({1: 4.0, 2: 2.0}[teams], {1: 10.0, 3: 8.0}[slots])
    extra = with_cost.cumulative_costs - without.cumulative_costs
    months = np.arange(extra.size)
    expected = (teams * REVIEW * np.minimum(months, last_approval)
                + slots * SUPPORT * np.minimum(months, last_live))
    np.testing.assert_allclose(extra, expected, atol=1e-6)
    total = teams * REVIEW * last_approval + slots * SUPPORT * last_live
    assert without.npv - with_cost.npv == pytest.approx(total, abs=1e-6)            # discount rate 0
    assert without.npv_services - with_cost.npv_services == pytest.approx(total, abs=1e-6)  # a cost of the reviews


def test_discounted_and_split_by_the_councils_total_budgets():
    rate = 0.035
    with_cost, without = _costs(discount_rate=rate)
    delta = math.log1p(rate) / 12

    def flat(end: float) -> float:
        return (1 - math.exp(-delta * end)) / delta

    expected = REVIEW * flat(4.0) + SUPPORT * flat(10.0)
    assert without.npv - with_cost.npv == pytest.approx(expected, rel=1e-12)
    # programme-wide, like the team's cost: North 1.0m and South 0.6m of £1.6m
    np.testing.assert_allclose(without.council_npv - with_cost.council_npv, [0.625 * expected, 0.375 * expected],
                               rtol=1e-12)


def test_a_stage_not_over_by_the_horizon_costs_to_the_horizon():
    with_cost, without = _costs(horizon=8)  # S2 still implementing at the horizon
    assert math.isnan(with_cost.live[1])
    assert without.npv - with_cost.npv == pytest.approx(REVIEW * 4 + SUPPORT * 8, abs=1e-6)


def test_no_programme_no_slots_and_zero_costs_change_nothing():
    with_cost, without = _costs(order=[])
    np.testing.assert_array_equal(with_cost.cumulative_costs, without.cumulative_costs)
    assert with_cost.npv == without.npv
    np.testing.assert_array_equal(run_one(_config(review_team_cost_per_month=0)).cumulative_costs,
                                  run_one(_config()).cumulative_costs)


def test_the_slots_stop_when_the_partnership_dissolves():
    # a hazard so high that the partnership dissolves within days of the first go-live (month 6), before S2
    with_cost, without = _costs(dissolution_annual=100.0)
    when = float(with_cost.dissolved_month)
    assert 6.0 <= when < 8.0 and math.isnan(with_cost.live[1])
    extra = with_cost.cumulative_costs[-1] - without.cumulative_costs[-1]
    assert extra == pytest.approx(REVIEW * 4.0 + SUPPORT * when, abs=1e-6)
