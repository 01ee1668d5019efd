"""Rules found while building the reference configs: rework with no delay, and vacancies open at the start."""

import numpy as np

import simshare
from simshare.model.replication import run_replication
from simshare.config import load_config


def _config(**programme):
    return simshare.load_config({
        "programme": {"name": "rules", "start": "2020-01-01", "horizon_months": 24, "committee_interval_months": 2,
                      **programme},
        "councils": [{"name": "A", "turnover_annual": 0.0, "recruitment_months": 2}],
        "services": [{"name": "S", "budget": {"A": 1e6}, "posts": {"A": 5}, "review_months": 1,
                      "implementation_months": 1, "savings_fraction": 0.1}],
    })


def test_a_case_sent_back_with_no_rework_goes_to_the_next_meeting():
    # ready at 1 -> meeting at 2; never approved, and the replication ends (no endless same-instant loop)
    rec = run_replication(_config(approval_probability=0.0, rework_months=0.0), np.random.SeedSequence(0))
    assert np.isnan(rec.approved[0]) and rec.review_start[0] == 0
    # sent back at a meeting, approved at a later one: always an even month (meetings at 0, 2, 4, ...)
    months = [run_replication(_config(approval_probability=0.5, rework_months=0.0),
                              np.random.SeedSequence(i)).approved[0] for i in range(40)]
    months = np.array([m for m in months if not np.isnan(m)])
    assert np.all(months % 2 == 0) and np.any(months > 2)


def test_vacancies_at_the_start_may_already_have_agency_cover():
    # every post vacant at month 0 with a campaign of 100 months part-way through (uniform share already run),
    # agency cover from 1 month after a vacancy opens: cover is in place at month 0 unless under 1 month has run,
    # i.e. with probability 0.99 per post
    cfg = simshare.load_config({
        "programme": {"name": "rules", "start": "2020-01-01", "horizon_months": 1, "order": []},
        "councils": [{"name": "A", "turnover_annual": 0.0, "recruitment_months": 100, "initial_vacancy_rate": 1.0,
                      "agency_cover": 1.0, "agency_start_months": 1.0}],
        "services": [{"name": "S", "budget": {"A": 1e6}, "posts": {"A": 400}, "review_months": 1,
                      "implementation_months": 1, "savings_fraction": 0.1}],
    })
    rec = run_replication(cfg, np.random.SeedSequence(3))
    covered = rec.covered[0, 0, 0] / 400
    se = np.sqrt(0.99 * 0.01 / 400)
    assert abs(covered - 0.99) < 4 * se + 1 / 400
    assert rec.covered[1, 0, 0] == rec.vacant[1, 0, 0]  # by month 1 every open vacancy is covered
