"""Deterministic programmes whose milestone dates are worked out by hand (docs/model.md).

Every duration is a plain number, approval_probability is 0 or 1, nobody leaves
(turnover_annual = 0, team_turnover_annual = 0) and no post starts vacant, so one
replication is fully determined. Each test shows its hand calculation as a timeline;
the expected numbers come from docs/model.md and docs/model-interface.md, never from
running the model.

Rules used (docs/model-interface.md, "Programme"):
- review slots: services ask in phasing order, none before earliest_start_month; FIFO,
  ties in phasing order; review_start = time the slot is granted;
- ready = review end + consultation_months; approved = first meeting at or after ready
  (meetings at committee_first_month + k * committee_interval_months), at most
  approvals_per_meeting per meeting, considered in phasing order;
- implementation slots in order of approval time (ties: phasing order); a waiting case
  holds no slot; live = implementation start + implementation_months;
- milestones are NaN when not reached within the horizon or not in the programme;
  state at month t is taken after everything that happens at time t.
"""

from __future__ import annotations

import numpy as np

from conftest import run_one, service, small_config

NAN = np.nan

# The shared small config (conftest.small_config): councils North and South, where nobody leaves and
# no post starts vacant, share services with fixed durations (conftest.service); keyword arguments of
# small_config set [programme] keys, the rest keeps the schema's defaults (one review team, one
# implementation slot, front-line limit 1, a committee every month from month 0, approval certain).


def close(actual, expected):
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=0, atol=1e-9, equal_nan=True
    )


def check(rec, review_start, approved, live, reviews_complete_month, programme_complete_month):
    """Milestones as worked out by hand, plus review_start <= approved <= live wherever reached."""
    close(rec.review_start, review_start)
    close(rec.approved, approved)
    close(rec.live, live)
    close(rec.reviews_complete_month, reviews_complete_month)
    close(rec.programme_complete_month, programme_complete_month)
    check_ordering(rec)


def check_ordering(rec):
    rs, ap, lv = (np.asarray(x, dtype=float) for x in (rec.review_start, rec.approved, rec.live))
    for i in range(len(rs)):
        if np.isnan(rs[i]):
            assert np.isnan(ap[i]) and np.isnan(lv[i]), f"service {i}: approved/live without a review"
        if np.isnan(ap[i]):
            assert np.isnan(lv[i]), f"service {i}: live without approval"
        if not np.isnan(ap[i]):
            assert rs[i] <= ap[i] + 1e-9, f"service {i}: approved {ap[i]} before review start {rs[i]}"
        if not np.isnan(lv[i]):
            assert ap[i] <= lv[i] + 1e-9, f"service {i}: live {lv[i]} before approval {ap[i]}"


def counts(horizon, months):
    """Number of the given milestone months <= t, for t = 0..horizon (a step per milestone)."""
    t = np.arange(horizon + 1)
    return np.array([sum(1 for m in months if m <= tt) for tt in t], dtype=float)


def check_series(rec, horizon, approved_months, live_months):
    assert np.shape(rec.reviews_complete) == (horizon + 1,)
    assert np.shape(rec.services_live) == (horizon + 1,)
    close(rec.reviews_complete, counts(horizon, approved_months))
    close(rec.services_live, counts(horizon, live_months))


THREE = [
    service("S1", review=4, consultation=1, implementation=5),
    service("S2", review=3, consultation=2, implementation=4),
    service("S3", review=5, consultation=0, implementation=2),
]


# ----------------------------------------------------------------------------- (a), (b) review teams


def test_one_review_team_reviews_run_one_after_another():
    # review_teams = 1, meetings every month from 0, support_capacity = 3 (never binding)
    # S1: review 0-4, consult 4-5, ready 5 -> meeting 5, implement 5-10  -> live 10
    # S2: review 4-7, consult 7-9, ready 9 -> meeting 9, implement 9-13  -> live 13
    # S3: review 7-12, no consult, ready 12 -> meeting 12, implement 12-14 -> live 14
    # reviews complete 12 (last approval), programme complete 14 (last go-live)
    H = 20
    rec = run_one(small_config(THREE, horizon=H, review_teams=1, support_capacity=3))
    check(rec, [0, 4, 7], [5, 9, 12], [10, 13, 14], 12, 14)
    # reviews_complete: 0 for t<5, 1 at 5..8, 2 at 9..11, 3 from 12
    # services_live:    0 for t<10, 1 at 10..12, 2 at 13, 3 from 14
    check_series(rec, H, [5, 9, 12], [10, 13, 14])
    assert rec.reviews_complete[4] == 0 and rec.reviews_complete[5] == 1 and rec.reviews_complete[12] == 3
    assert rec.services_live[9] == 0 and rec.services_live[13] == 2 and rec.services_live[14] == 3


def test_three_review_teams_run_reviews_side_by_side():
    # same services, review_teams = 3: every review starts at 0
    # S1: review 0-4, consult 4-5, ready 5 -> approved 5, implement 5-10 -> live 10
    # S2: review 0-3, consult 3-5, ready 5 -> approved 5, implement 5-9  -> live 9
    # S3: review 0-5,              ready 5 -> approved 5, implement 5-7  -> live 7
    H = 20
    rec = run_one(small_config(THREE, horizon=H, review_teams=3, support_capacity=3))
    check(rec, [0, 0, 0], [5, 5, 5], [10, 9, 7], 5, 10)
    # reviews_complete 0 before 5, 3 from 5; services_live 1 at 7, 2 at 9, 3 from 10
    check_series(rec, H, [5, 5, 5], [10, 9, 7])


def test_two_review_teams_third_review_takes_first_free_slot():
    # review_teams = 2
    # S1: team 1 0-4, ready 5 -> approved 5, live 10
    # S2: team 2 0-3, ready 5 -> approved 5, live 9
    # S3: waits for the first free team (team 2 at 3): review 3-8, ready 8 -> approved 8, implement 8-10 -> live 10
    rec = run_one(small_config(THREE, horizon=20, review_teams=2, support_capacity=3))
    check(rec, [0, 0, 3], [5, 5, 8], [10, 9, 10], 8, 10)


# ----------------------------------------------------------------------------- (c) committee cadence


def test_committee_cadence_cases_wait_for_next_meeting():
    # meetings at 2, 5, 8, 11, ... (first 2, interval 3); one review team; support 3
    # S1: review 0-1, ready 1   -> first meeting 2 (even before the first meeting, it waits for it), live 2+2 = 4
    # S2: review 1-4, ready 4   -> meeting 5, live 7
    # S3: review 4-5, consult 5-5.5, ready 5.5 -> meeting 5 has passed -> meeting 8, live 10
    H = 15
    services = [
        service("S1", review=1, implementation=2),
        service("S2", review=3, implementation=2),
        service("S3", review=1, consultation=0.5, implementation=2),
    ]
    rec = run_one(small_config(services, horizon=H, committee_first_month=2, committee_interval_months=3,
                               support_capacity=3))
    check(rec, [0, 1, 4], [2, 5, 8], [4, 7, 10], 8, 10)
    # reviews_complete: 0 at 0..1, 1 at 2..4, 2 at 5..7, 3 from 8
    # services_live:    0 at 0..3, 1 at 4..6, 2 at 7..9, 3 from 10
    check_series(rec, H, [2, 5, 8], [4, 7, 10])
    close(rec.reviews_complete[:9], [0, 0, 1, 1, 1, 2, 2, 2, 3])


# ----------------------------------------------------------------------------- (d) approvals cap


def test_approvals_per_meeting_cap_in_phasing_order():
    # meetings at 0, 6, 12, 18; approvals_per_meeting = 2; review_teams = 4; support 4; implementation 1
    # ready: S1 at 4, S2 at 2, S3 at 3, S4 at 1 -> all four ready before meeting 6
    # meeting 6 considers them in PHASING order (S1, S2, S3, S4), at most 2: S1, S2 approved at 6
    # S3 and S4 wait for meeting 12 (still phasing order, 2 places): both approved 12
    # live = approved + 1
    services = [
        service("S1", review=4, implementation=1),
        service("S2", review=2, implementation=1),
        service("S3", review=3, implementation=1),
        service("S4", review=1, implementation=1),
    ]
    rec = run_one(
        small_config(services, horizon=30, review_teams=4, support_capacity=4,
               committee_first_month=0, committee_interval_months=6, approvals_per_meeting=2)
    )
    check(rec, [0, 0, 0, 0], [6, 6, 12, 12], [7, 7, 13, 13], 12, 13)


def test_approvals_cap_third_case_goes_to_next_meeting():
    # the brief's case: three cases ready before one meeting, cap 2
    # meetings at 0, 5, 10; review_teams 3; ready at 1, 2, 3 -> meeting 5 takes S1, S2; S3 -> meeting 10
    services = [
        service("S1", review=1, implementation=2),
        service("S2", review=2, implementation=2),
        service("S3", review=3, implementation=2),
    ]
    rec = run_one(
        small_config(services, horizon=30, review_teams=3, support_capacity=3,
               committee_first_month=0, committee_interval_months=5, approvals_per_meeting=2)
    )
    check(rec, [0, 0, 0], [5, 5, 10], [7, 7, 12], 10, 12)


# ----------------------------------------------------------------------------- (e) ready at a meeting


def test_case_ready_at_meeting_time_is_considered_at_it():
    # meetings at 0, 3, 6, 9, ...; review_teams 3; support 3; implementation 1
    # P: review 0-4, consult 4-6, ready 6 == meeting 6 -> approved 6 (not 9), live 7   (all binary-exact)
    # Q: review 0-2.2, consult 2.2-3.0, ready 3 == meeting 3 -> approved 3, live 4
    # R: earliest start 0.2, review 0.2-2.4, consult 2.4-3.0, ready 3 == meeting 3 -> approved 3, live 4
    #    (in floating point (0.2 + 2.2) + 0.6 == 3.0000000000000004, but the month is 3: at the meeting)
    services = [
        service("P", review=4, consultation=2, implementation=1),
        service("Q", review=2.2, consultation=0.8, implementation=1),
        service("R", review=2.2, consultation=0.6, implementation=1, earliest_start_month=0.2),
    ]
    rec = run_one(
        small_config(services, horizon=20, review_teams=3, support_capacity=3,
               committee_first_month=0, committee_interval_months=3)
    )
    check(rec, [0, 0, 0.2], [6, 3, 3], [7, 4, 4], 6, 7)


def test_case_ready_at_meeting_with_decimal_calendar():
    # meetings at 0.1 + 0.7k: 0.1, 0.8, 1.5, 2.2, 2.9, 3.6, 4.3, 5.0, 5.7, ...
    # (k = 7 is month 5 exactly; 0.1 + 7*0.7 evaluates to 4.999999999999999 in floating point)
    # X: review 0-5, ready 5 == meeting k=7 -> approved 5 (not 5.7), implement 5-6 -> live 6
    # Y: review 0-2, ready 2 -> next meeting 2.2 (k=3), implement 2.2-3.2 -> live 3.2
    services = [
        service("X", review=5, implementation=1),
        service("Y", review=2, implementation=1),
    ]
    rec = run_one(
        small_config(services, horizon=12, review_teams=2, support_capacity=2,
               committee_first_month=0.1, committee_interval_months=0.7)
    )
    check(rec, [0, 0], [5, 2.2], [6, 3.2], 5, 6)


# ----------------------------------------------------------------------------- (f) support capacity


def test_support_capacity_queue_in_approval_order():
    # support_capacity = 1; review_teams 3; meetings monthly from 0
    # approvals: S2 at 2, S3 at 3, S1 at 4 (approval order differs from phasing order S1, S2, S3)
    # S2: implement 2-7 (5 months)              -> live 7
    # S3: approved 3, waits, implement 7-10     -> live 10
    # S1: approved 4, waits behind S3, 10-12    -> live 12
    H = 15
    services = [
        service("S1", review=4, implementation=2),
        service("S2", review=2, implementation=5),
        service("S3", review=3, implementation=3),
    ]
    rec = run_one(small_config(services, horizon=H, review_teams=3, support_capacity=1))
    check(rec, [0, 0, 0], [4, 2, 3], [12, 7, 10], 4, 12)
    # reviews_complete: 0 at 0..1, 1 at 2, 2 at 3, 3 from 4
    # services_live:    0 at 0..6, 1 at 7..9, 2 at 10..11, 3 from 12
    check_series(rec, H, [4, 2, 3], [12, 7, 10])


def test_support_capacity_ties_in_phasing_order():
    # meetings at 0, 5, 10; review_teams 2; support_capacity 1
    # S1 ready 3, S2 ready 1 -> both approved at 5 (a tie) -> phasing order: S1 first
    # S1: implement 5-9 -> live 9; S2: implement 9-11 -> live 11
    services = [
        service("S1", review=3, implementation=4),
        service("S2", review=1, implementation=2),
    ]
    rec = run_one(small_config(services, horizon=20, review_teams=2, support_capacity=1, committee_interval_months=5))
    check(rec, [0, 0], [5, 5], [9, 11], 5, 11)


# ----------------------------------------------------------------------------- (g) front-line limit


def test_frontline_limit_lets_non_frontline_start_ahead():
    # frontline_limit 1, support_capacity 2, review_teams 4, meetings monthly from 0
    # A (frontline):     approved 1, support+frontline free -> implement 1-9   -> live 9
    # B (frontline):     approved 2, frontline slot held by A -> waits, holding NO support slot
    # C (not frontline): approved 3, one support slot free (B holds none) -> implement 3-7 -> live 7
    # D (not frontline): approved 4, support slots A, C busy -> waits
    # t=7: C live frees a support slot; B still lacks the frontline slot; D starts 7-9 -> live 9
    # t=9: A live frees frontline + support, D frees support: B implements 9-12 -> live 12
    H = 15
    services = [
        service("A", review=1, implementation=8, frontline=True),
        service("B", review=2, implementation=3, frontline=True),
        service("C", review=3, implementation=4),
        service("D", review=4, implementation=2),
    ]
    rec = run_one(small_config(services, horizon=H, review_teams=4, support_capacity=2, frontline_limit=1))
    check(rec, [0, 0, 0, 0], [1, 2, 3, 4], [9, 12, 7, 9], 4, 12)
    # services_live: 0 at 0..6, 1 at 7..8, 3 at 9..11, 4 from 12
    check_series(rec, H, [1, 2, 3, 4], [9, 12, 7, 9])


# ----------------------------------------------------------------------------- (h) earliest start


def test_earliest_start_first_come_not_phasing_order():
    # one review team; meetings monthly; support 3; implementation 1
    # S1 (1st in phasing) may not start before 5; S2, S3 from 0
    # t=0: S2 and S3 ask (tie -> phasing order): S2 gets the team 0-6, S3 queues
    # t=5: S1 asks and queues BEHIND S3 (first-come)
    # t=6: S3 reviews 6-8; t=8: S1 reviews 8-11
    # approved (ready == end of review, monthly meetings): S1 11, S2 6, S3 8; live +1
    services = [
        service("S1", review=3, implementation=1, earliest_start_month=5),
        service("S2", review=6, implementation=1),
        service("S3", review=2, implementation=1),
    ]
    rec = run_one(small_config(services, horizon=20, review_teams=1, support_capacity=3))
    check(rec, [8, 0, 6], [11, 6, 8], [12, 7, 9], 11, 12)


def test_earliest_start_with_free_slot_starts_exactly_then():
    # two review teams, S1 may not start before 2.5: review 2.5-4.5, ready 4.5 -> meeting 5, live 6
    # S2 from 0: review 0-1 -> approved 1, live 2
    services = [
        service("S1", review=2, implementation=1, earliest_start_month=2.5),
        service("S2", review=1, implementation=1),
    ]
    rec = run_one(small_config(services, horizon=12, review_teams=2, support_capacity=2))
    check(rec, [2.5, 0], [5, 1], [6, 2], 5, 6)


# ----------------------------------------------------------------------------- (i) never approved


def test_approval_probability_zero_nothing_approved():
    # approval_probability 0 (rework 1 month, then back to committee, rejected again, ...)
    # one team: S1 review 0-3, S2 review 3-5: review_start set; approved/live never
    H = 24
    services = [
        service("S1", review=3, implementation=1),
        service("S2", review=2, implementation=1),
    ]
    rec = run_one(small_config(services, horizon=H, approval_probability=0, rework_months=1))
    check(rec, [0, 3], [NAN, NAN], [NAN, NAN], NAN, NAN)
    check_series(rec, H, [], [])


# ----------------------------------------------------------------------------- (j), (k) phasing order


def test_order_subset_and_reordered():
    # config order S1..S4; programme.order = [S3, S1]; one team; support 2; implementation 2
    # S3: review 0-2 -> approved 2 -> live 4
    # S1: review 2-5 -> approved 5 -> live 7
    # S2, S4 stay separate: every milestone NaN (though they could have started at 0)
    H = 12
    services = [
        service("S1", review=3, implementation=2),
        service("S2", review=1, implementation=1),
        service("S3", review=2, implementation=2),
        service("S4", review=1, implementation=1),
    ]
    rec = run_one(small_config(services, horizon=H, support_capacity=2, order=["S3", "S1"]))
    check(rec, [2, NAN, 0, NAN], [5, NAN, 2, NAN], [7, NAN, 4, NAN], 5, 7)
    check_series(rec, H, [5, 2], [7, 4])


def test_empty_order_is_workforce_only():
    # order = []: no service enters the programme; all milestones NaN, counts 0
    H = 12
    services = [service("S1", review=1, implementation=1), service("S2", review=1, implementation=1)]
    rec = run_one(small_config(services, horizon=H, order=[]))
    check(rec, [NAN, NAN], [NAN, NAN], [NAN, NAN], NAN, NAN)
    close(rec.reviews_complete, np.zeros(H + 1))
    close(rec.services_live, np.zeros(H + 1))


# ----------------------------------------------------------------------------- horizon


def test_milestones_beyond_horizon_are_nan_and_at_horizon_count():
    # horizon 12; one team; support 1; monthly meetings
    # S1: review 0-2, approved 2, implement 2-12 -> live 12 == horizon: reached (state at t is after events at t)
    # S2: review 2-5, approved 5, waits for S1's support slot, implements 12-15 -> live beyond horizon: NaN
    # S3: review 5-25 -> never approved within the horizon: approved NaN, live NaN
    # reviews_complete_month NaN (S3), programme_complete_month NaN
    H = 12
    services = [
        service("S1", review=2, implementation=10),
        service("S2", review=3, implementation=3),
        service("S3", review=20, implementation=1),
    ]
    rec = run_one(small_config(services, horizon=H))
    check(rec, [0, 2, 5], [2, 5, NAN], [12, NAN, NAN], NAN, NAN)
    check_series(rec, H, [2, 5], [12])
    assert rec.services_live[H] == 1 and rec.services_live[H - 1] == 0
