"""Rules found while building the reference configs: rework with no delay, and vacancies open at the start."""

import numpy as np

from conftest import council, run_one, service, small_config

#: small_config(**RULES): one service S of five posts in one council A, where nobody leaves; review and
#: implementation 1 month each; the committee meets every 2 months from month 0.
RULES = dict(
    services=[service("S", review=1, implementation=1, budget={"A": 1e6}, posts={"A": 5})],
    councils=[council("A", recruitment_months=2)],
    committee_interval_months=2,
)


def test_a_case_sent_back_with_no_rework_goes_to_the_next_meeting():
    # ready at 1 -> meeting at 2; never approved, and the replication ends (no endless same-instant loop)
    rec = run_one(small_config(**RULES, approval_probability=0.0, rework_months=0.0), seed=0)
    assert np.isnan(rec.approved[0]) and rec.review_start[0] == 0
    # sent back at a meeting, approved at a later one: always an even month (meetings at 0, 2, 4, ...)
    months = [run_one(small_config(**RULES, approval_probability=0.5, rework_months=0.0), seed=i).approved[0]
              for i in range(40)]
    months = np.array([m for m in months if not np.isnan(m)])
    assert np.all(months % 2 == 0) and np.any(months > 2)


def test_vacancies_at_the_start_may_already_have_agency_cover():
    # every post vacant at month 0 with a campaign of 100 months part-way through (uniform share already run),
    # agency cover from 1 month after a vacancy opens: cover is in place at month 0 unless under 1 month has run,
    # i.e. with probability 0.99 per post
    cfg = small_config(
        [service("S", review=1, implementation=1, budget={"A": 1e6}, posts={"A": 400})],
        councils=[council("A", recruitment_months=100, initial_vacancy_rate=1.0, agency_cover=1.0,
                          agency_start_months=1.0)],
        horizon=1, order=[],
    )
    rec = run_one(cfg, seed=3)
    covered = rec.covered[0, 0, 0] / 400
    se = np.sqrt(0.99 * 0.01 / 400)
    assert abs(covered - 0.99) < 4 * se + 1 / 400
    assert rec.covered[1, 0, 0] == rec.vacant[1, 0, 0]  # by month 1 every open vacancy is covered
