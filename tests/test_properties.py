"""Property tests of one replication on random small configs (hypothesis).

Every property is a rule of docs/model.md or docs/model-interface.md that must hold in every
replication of every valid config, whatever the random numbers:

* post accounting: filled + vacant + deleted = establishment, counts ≥ 0, covered ⊆ vacant,
  deleted never falls, only ordinary posts of live programme services are deleted, and no
  more than round-half-up(post_reduction_fraction × combined posts) of them;
* programme milestones in order, counters consistent with the milestones;
* money: cumulative figures never fall, net = savings − costs, payback (on the reviews) and NPV as defined;
* shares (resilience, staffing, vacancy rate) in [0, 1];
* the same config and seed give the same record, bit for bit.

Hypothesis draws the config and the seed (``np.random.SeedSequence(seed)``).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import simshare
from simshare.config import parameter_paths
from simshare.model.replication import run_replication
from simshare.config.values import realise

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
EXAMPLES = 80

# --------------------------------------------------------------------------- strategies


def _num(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def _fixed_or(lo, hi, table):
    """A plain number in [lo, hi], or a distribution table from ``table``."""
    return st.one_of(_num(lo, hi), table)


@st.composite
def pert(draw, lo, hi):
    a, b, c = sorted(draw(_num(lo, hi)) for _ in range(3))
    return {"dist": "pert", "min": a, "mode": b, "max": c}


@st.composite
def lognormal(draw, lo, hi):
    return {"dist": "lognormal", "mean": draw(_num(max(lo, 0.1), hi)), "sd": draw(_num(0.05, hi))}


@st.composite
def exponential(draw, lo, hi):
    return {"dist": "exponential", "mean": draw(_num(max(lo, 0.1), hi))}


@st.composite
def triangular(draw, lo, hi):
    a, b, c = sorted(draw(_num(lo, hi)) for _ in range(3))
    return {"dist": "triangular", "min": a, "mode": b, "max": c}


def duration(lo, hi):
    """A duration in months: fixed, or a pert / lognormal / exponential / triangular table."""
    return st.one_of(_num(lo, hi), pert(lo, hi), lognormal(lo, hi), exponential(lo, hi), triangular(lo, hi))


def fraction(lo=0.0, hi=1.0):
    return _fixed_or(lo, hi, pert(lo, hi))


def money(lo, hi):
    """An amount of money in whole pennies (no £1e-300 amounts), fixed or a triangular table."""
    pennies = _num(lo, hi).map(lambda x: round(x, 2))
    return st.one_of(pennies, st.tuples(pennies, pennies, pennies).map(
        lambda v: {"dist": "triangular", "min": min(v), "mode": sorted(v)[1], "max": max(v)}))


COUNCILS = ["Avon", "Brent", "Cray"]
SERVICES = ["Planning", "Legal", "ICT", "Revenues"]


@st.composite
def councils(draw, n):
    out = []
    for name in COUNCILS[:n]:
        c = {
            "name": name,
            "turnover_annual": draw(_fixed_or(0.0, 0.5, pert(0.0, 0.5))),
            # kept ≥ 0.25 months: a zero-length campaign that can fail would loop at one instant
            "recruitment_months": draw(duration(0.25, 8.0)),
            "recruitment_failure": draw(fraction(0.0, 0.8)),
            "agency_cover": draw(fraction()),
            "agency_start_months": draw(_num(0.0, 3.0)),
            "agency_premium": draw(_num(0.0, 1.0)),
            "initial_vacancy_rate": draw(st.sampled_from([0.0, 0.0, 0.1, 0.3, 0.6])),
        }
        if draw(st.booleans()):
            c["specialist_recruitment_months"] = draw(duration(0.25, 10.0))
        if draw(st.booleans()):
            c["specialist_recruitment_failure"] = draw(fraction(0.0, 0.8))
        out.append(c)
    return out


@st.composite
def services(draw, council_names):
    n = draw(st.integers(1, len(SERVICES)))
    out = []
    for name in SERVICES[:n]:
        members = draw(st.lists(st.sampled_from(council_names), min_size=1, unique=True))
        posts = {c: draw(st.integers(0, 12)) for c in members}
        if all(v == 0 for v in posts.values()):
            posts[members[0]] = draw(st.integers(1, 12))
        s = {
            "name": name,
            "frontline": draw(st.booleans()),
            "budget": {c: draw(money(10_000.0, 3_000_000.0)) for c in members},
            "posts": posts,
            "specialists": {c: draw(st.integers(0, posts[c])) for c in members if draw(st.booleans())},
            "staff_cost_share": draw(_num(0.3, 0.9)),
            "earliest_start_month": draw(st.sampled_from([0.0, 0.0, 3.0, 10.5])),
            "review_months": draw(duration(0.5, 8.0)),
            "consultation_months": draw(duration(0.0, 3.0)),
            "implementation_months": draw(duration(0.5, 10.0)),
            "implementation_disruption": draw(fraction(0.0, 0.5)),
            "savings_fraction": draw(fraction(0.0, 0.3)),
            "post_reduction_fraction": draw(st.one_of(st.sampled_from([0.0, 0.1, 0.2, 0.33, 0.6, 1.0]), pert(0.0, 1.0))),
            "attrition_window_months": draw(st.one_of(st.sampled_from([0.0, 0.0, 2.5, 6.0, 12.0]),
                                                      triangular(0.0, 12.0))),
            "redundancy_cost": draw(money(0.0, 50_000.0)),
            "one_off_cost": draw(money(0.0, 300_000.0)),
            "ramp_months": draw(st.sampled_from([0.0, 0.0, 3.0, 6.5])),
        }
        if draw(st.booleans()):
            s["salary"] = draw(money(15_000.0, 60_000.0))
        out.append(s)
    return out


@st.composite
def configs(draw):
    n_councils = draw(st.integers(1, 3))
    cs = draw(councils(n_councils))
    ss = draw(services([c["name"] for c in cs]))
    names = [s["name"] for s in ss]
    prog = {
        "name": "property check",
        "start": "2015-04-01",
        "horizon_months": draw(st.integers(24, 72)),
        "review_teams": draw(st.one_of(st.integers(1, 3), st.just({"dist": "discrete", "values": [1, 2, 3]}))),
        "support_capacity": draw(st.one_of(st.integers(1, 2), st.just({"dist": "discrete", "values": [1, 2]}))),
        "frontline_limit": draw(st.integers(1, 2)),
        "committee_first_month": draw(st.sampled_from([0.0, 1.0, 2.5])),
        "committee_interval_months": draw(st.one_of(st.sampled_from([0.5, 1.0, 2.0, 3.0]),
                                                    st.just({"dist": "uniform", "min": 0.5, "max": 3.0}))),
        "approval_probability": draw(st.one_of(st.sampled_from([0.0, 1.0]), _num(0.0, 1.0))),
        # kept > 0: a case sent back with no rework would be ready again at the same meeting
        "rework_months": draw(duration(0.25, 4.0)),
        "team_turnover_annual": draw(_fixed_or(0.0, 0.5, pert(0.0, 0.5))),
        "team_replacement_months": draw(duration(0.0, 4.0)),
        "team_cost_per_month": draw(money(0.0, 50_000.0)),
        "change_turnover_multiplier": draw(_fixed_or(0.5, 2.0, pert(0.5, 2.0))),
        "change_settle_months": draw(st.sampled_from([0.0, 3.0, 6.0])),
        "shared_turnover_multiplier": draw(_num(0.5, 1.5)),
        "safe_staffing": draw(fraction()),
        "discount_rate": draw(st.sampled_from([0.0, 0.035, 0.1])),
    }
    if draw(st.booleans()):
        prog["approvals_per_meeting"] = draw(st.integers(1, 3))
    order = draw(st.one_of(st.none(), st.permutations(names).flatmap(
        lambda p: st.integers(0, len(p)).map(lambda k: list(p[:k])))))
    if order is not None:
        prog["order"] = order
    if draw(st.booleans()):
        prog["joint_management"] = {
            "saving_per_year": draw(money(0.0, 700_000.0)),
            "start_month": draw(st.sampled_from([0.0, 2.0, 12.5])),
            "ramp_months": draw(st.sampled_from([0.0, 6.0])),
            "one_off_cost": draw(money(0.0, 250_000.0)),
        }
    return {"programme": prog, "councils": cs, "services": ss}


seeds = st.integers(0, 2**63 - 1)

# --------------------------------------------------------------------------- helpers


def _run(raw, seed):
    cfg = simshare.load_config(raw)  # the strategy only makes valid configs
    note(f"config: {raw!r}")
    note(f"seed: {seed}")
    return cfg, run_replication(cfg, np.random.SeedSequence(seed))


def _non_decreasing(x, what, rel=1e-6):
    x = np.asarray(x, dtype=float)
    assert np.all(np.isfinite(x)), f"{what}: not finite: {x}"
    drops = np.diff(x, axis=0)
    tol = rel * np.maximum(1.0, np.abs(x[1:]))
    bad = np.argwhere(drops < -tol)
    assert bad.size == 0, f"{what} falls at month(s) {(bad[:, 0] + 1).tolist()[:5]}: {x[bad[0][0]]!r} -> {x[bad[0][0] + 1]!r}"


def _in_programme(cfg):
    return np.array([s in cfg.order for s in cfg.service_names])


def _value(cfg, rec, path, fixed):
    """A replication's value of a parameter: drawn (in ``inputs``) when uncertain, else the config's."""
    paths = parameter_paths(cfg)
    return float(rec.inputs[paths.index(path)]) if path in paths else float(fixed)


def _round_half_up(x):
    return math.floor(x + 0.5)


def _ordinary(cfg):
    """(C, S) ordinary (non-specialist) posts."""
    return np.array([[s.posts.get(c, 0) - s.specialists.get(c, 0) for s in cfg.services] for c in cfg.council_names])


def _establishment(cfg):
    return np.array([[s.posts.get(c, 0) for s in cfg.services] for c in cfg.council_names])


# --------------------------------------------------------------------------- properties


@settings(max_examples=EXAMPLES, **SETTINGS)
@given(raw=configs(), seed=seeds)
def test_post_accounting(raw, seed):
    cfg, rec = _run(raw, seed)
    H = cfg.programme.horizon_months
    T, C, S = H + 1, len(cfg.councils), len(cfg.services)
    for name in ("filled", "vacant", "covered", "deleted"):
        a = getattr(rec, name)
        assert a.shape == (T, C, S), f"{name} has shape {a.shape}, expected {(T, C, S)}"
        assert np.issubdtype(a.dtype, np.integer), f"{name} is {a.dtype}, expected int"
        assert (a >= 0).all(), f"{name} has negative counts"
    est = _establishment(cfg)
    assert np.array_equal(rec.establishment, est), f"establishment {rec.establishment.tolist()} != config {est.tolist()}"
    total = rec.filled + rec.vacant + rec.deleted
    bad = np.argwhere(total != est[None])
    assert bad.size == 0, f"filled + vacant + deleted != establishment at (t, c, s) = {bad[0].tolist()}"
    assert (rec.covered <= rec.vacant).all(), "covered > vacant"
    _non_decreasing(rec.deleted, "deleted")
    # specialists are never deleted, services outside the programme never lose posts
    assert (rec.deleted <= _ordinary(cfg)[None]).all(), "more posts deleted than the ordinary posts"
    outside = ~_in_programme(cfg)
    assert not rec.deleted[:, :, outside].any(), "posts deleted in a service outside the programme"
    # no deletion before go-live
    for s in range(S):
        live = rec.live[s]
        early = np.arange(T) < live if not np.isnan(live) else np.ones(T, bool)
        assert not rec.deleted[early, :, s].any(), f"service {cfg.service_names[s]}: posts deleted before go-live {live}"
    # with no vacancies at the start, every post is filled at month 0 (nothing can happen at t = 0)
    for c, council in enumerate(cfg.councils):
        if council.initial_vacancy_rate == 0:
            assert np.array_equal(rec.filled[0, c], est[c]), f"{council.name}: not all posts filled at month 0"
        if council.agency_cover == 0:
            assert not rec.covered[:, c].any(), f"{council.name}: agency cover with agency_cover = 0"
            assert np.all(rec.agency_cost[:, c] == 0), f"{council.name}: agency cost with agency_cover = 0"


@settings(max_examples=EXAMPLES, **SETTINGS)
@given(raw=configs(), seed=seeds)
def test_deletions_follow_the_post_reduction(raw, seed):
    """k = round-half-up(post_reduction_fraction × combined posts), at most the ordinary posts, go;
    all of them by the end of the attrition window (docs/model.md, interface §Savings)."""
    cfg, rec = _run(raw, seed)
    T = cfg.programme.horizon_months + 1
    ordinary = _ordinary(cfg).sum(axis=0)
    combined = _establishment(cfg).sum(axis=0)
    t = np.arange(T)
    for s, service in enumerate(cfg.services):
        fraction = _value(cfg, rec, f"services.{service.name}.post_reduction_fraction", service.post_reduction_fraction)
        x = fraction * combined[s]
        ks = {_round_half_up(x)}
        if abs(x - math.floor(x) - 0.5) < 1e-9:  # an exact half: allow either rounding of the product
            ks |= {math.floor(x), math.ceil(x)}
        targets = {min(k, int(ordinary[s])) for k in ks}
        gone = rec.deleted[:, :, s].sum(axis=1)
        assert gone.max() <= max(targets), f"{service.name}: {gone.max()} posts deleted, at most {max(targets)} should go"
        live = rec.live[s]
        if np.isnan(live):
            continue
        end = live + _value(cfg, rec, f"services.{service.name}.attrition_window_months", service.attrition_window_months)
        done = t > end + 1e-6
        if done.any():
            assert set(np.unique(gone[done]).tolist()) <= targets and len(np.unique(gone[done])) == 1, (
                f"{service.name}: live {live}, window ends {end}; deleted after it {np.unique(gone[done]).tolist()}, "
                f"expected {sorted(targets)}")


@settings(max_examples=EXAMPLES, **SETTINGS)
@given(raw=configs(), seed=seeds)
def test_milestones_and_counters(raw, seed):
    cfg, rec = _run(raw, seed)
    H = cfg.programme.horizon_months
    T, S = H + 1, len(cfg.services)
    inside = _in_programme(cfg)
    for name in ("review_start", "approved", "live"):
        a = getattr(rec, name)
        assert a.shape == (S,)
        assert np.all(np.isnan(a[~inside])), f"{name} set for a service outside the programme: {a}"
        ok = np.isnan(a) | ((a >= 0) & (a <= H))
        assert ok.all(), f"{name} outside [0, horizon]: {a}"
    rs, ap, lv = rec.review_start, rec.approved, rec.live
    for s, service in enumerate(cfg.services):
        what = f"{service.name}: review_start {rs[s]}, approved {ap[s]}, live {lv[s]}"
        if not np.isnan(ap[s]):
            assert not np.isnan(rs[s]) and rs[s] <= ap[s], what
        if not np.isnan(lv[s]):
            assert not np.isnan(ap[s]) and ap[s] <= lv[s], what
        if np.isnan(ap[s]):
            assert np.isnan(lv[s]), what
        if not np.isnan(rs[s]):
            assert rs[s] >= service.earliest_start_month, what + f" (earliest start {service.earliest_start_month})"
    for name in ("reviews_complete", "services_live"):
        a = np.asarray(getattr(rec, name), dtype=float)
        assert a.shape == (T,)
        assert (a >= 0).all() and (a <= inside.sum()).all(), f"{name} out of range: {a}"
        _non_decreasing(a, name, rel=0)
    assert (rec.services_live <= rec.reviews_complete).all(), "more services live than approved"
    # counters are the milestones counted on the grid ("at or before t")
    months = np.arange(T)[:, None]
    with np.errstate(invalid="ignore"):
        assert np.array_equal(rec.reviews_complete, (ap[None, :] <= months).sum(axis=1)), "reviews_complete != #approved ≤ t"
        assert np.array_equal(rec.services_live, (lv[None, :] <= months).sum(axis=1)), "services_live != #live ≤ t"
    # programme-level months
    prog_ap, prog_lv = ap[inside], lv[inside]
    for name, x, field in (("reviews_complete_month", prog_ap, rec.reviews_complete_month),
                           ("programme_complete_month", prog_lv, rec.programme_complete_month)):
        expected = math.nan if x.size == 0 or np.isnan(x).any() else float(x.max())
        assert (math.isnan(expected) and math.isnan(field)) or field == expected, f"{name} {field}, expected {expected}"


@settings(max_examples=EXAMPLES, **SETTINGS)
@given(raw=configs(), seed=seeds)
def test_programme_timing(raw, seed):
    """Durations and calendars bound the milestones (docs/model.md):

    approved ≥ review start + review + consultation (pauses and rework only add), approved falls on
    a meeting month, live ≥ approved + implementation, and implementations overlapping in time never
    exceed support_capacity (frontline ones never exceed frontline_limit).
    """
    cfg, rec = _run(raw, seed)
    prog = cfg.programme
    first = _value(cfg, rec, "programme.committee_first_month", prog.committee_first_month)
    interval = _value(cfg, rec, "programme.committee_interval_months", prog.committee_interval_months)
    eps = 1e-9
    spans = []
    for s, service in enumerate(cfg.services):
        rs, ap, lv = rec.review_start[s], rec.approved[s], rec.live[s]
        review = _value(cfg, rec, f"services.{service.name}.review_months", service.review_months)
        consult = _value(cfg, rec, f"services.{service.name}.consultation_months", service.consultation_months)
        impl = _value(cfg, rec, f"services.{service.name}.implementation_months", service.implementation_months)
        what = f"{service.name}: review_start {rs}, approved {ap}, live {lv}; review {review}, consultation {consult}, implementation {impl}"
        if not np.isnan(ap):
            assert ap >= rs + review + consult - eps * max(1.0, ap), what
            k = (ap - first) / interval
            assert k >= -eps and abs(k - round(k)) < 1e-6, what + f"; not a meeting month (first {first}, every {interval})"
        if not np.isnan(lv):
            assert lv >= ap + impl - eps * max(1.0, lv), what
            spans.append((lv - impl, lv, service.frontline))
    capacity = _value(cfg, rec, "programme.support_capacity", prog.support_capacity)
    frontline_limit = _value(cfg, rec, "programme.frontline_limit", prog.frontline_limit)
    for x, _, _ in spans:
        running = [(a, b, f) for a, b, f in spans if a <= x + 1e-7 and b > x + 1e-7]
        assert len(running) <= capacity, f"{len(running)} implementations at month {x}, support_capacity {capacity}: {spans}"
        front = sum(f for _, _, f in running)
        assert front <= frontline_limit, f"{front} frontline implementations at month {x}, limit {frontline_limit}: {spans}"


def _joint_management_net(cfg, rec):
    """Joint management's cumulative net (its ramped saving less its one-off), by hand; none when order = []."""
    jm = realise(cfg, rec.inputs).joint_management
    t = np.arange(cfg.programme.horizon_months + 1, dtype=float)
    if jm is None or not cfg.order:
        return np.zeros_like(t)
    u, w, rate = np.maximum(t - jm.start_month, 0.0), jm.ramp_months, jm.saving_per_year / 12
    saved = rate * u if w == 0 else np.where(u <= w, rate * u**2 / (2 * w), rate * (w / 2 + u - w))
    return saved - jm.one_off_cost * (t >= jm.start_month - 1e-9)


@settings(max_examples=EXAMPLES, **SETTINGS)
@given(raw=configs(), seed=seeds)
def test_money(raw, seed):
    cfg, rec = _run(raw, seed)
    H = cfg.programme.horizon_months
    T, C = H + 1, len(cfg.councils)
    for name in ("savings_run_rate", "cumulative_savings", "cumulative_costs", "cumulative_net"):
        a = getattr(rec, name)
        assert a.shape == (T,), f"{name} has shape {a.shape}"
        assert np.all(np.isfinite(a)), f"{name} not finite"
    assert (rec.savings_run_rate >= 0).all(), f"negative savings run-rate {rec.savings_run_rate.min()}"
    _non_decreasing(rec.cumulative_savings, "cumulative_savings")
    _non_decreasing(rec.cumulative_costs, "cumulative_costs")
    assert (rec.cumulative_savings >= -1e-6).all() and (rec.cumulative_costs >= -1e-6).all()
    assert rec.agency_cost.shape == (T, C)
    assert (rec.agency_cost >= 0).all(), "negative agency cost"
    _non_decreasing(rec.agency_cost, "agency_cost")
    scale = 1e-9 * np.maximum(1.0, np.abs(rec.cumulative_savings) + np.abs(rec.cumulative_costs))
    assert np.all(np.abs(rec.cumulative_net - (rec.cumulative_savings - rec.cumulative_costs)) <= scale), \
        "cumulative_net != cumulative_savings - cumulative_costs"
    # payback, on the reviews alone (joint management left out): -inf ("no deficit") if their net is never < 0;
    # else the month after the last month with net < 0; NaN beyond the horizon
    # (a net within rounding noise of zero may be read either way: both readings are accepted)
    def payback(negative):
        neg = np.flatnonzero(negative)
        return -math.inf if neg.size == 0 else (float(neg[-1] + 1) if neg[-1] + 1 <= H else math.nan)

    reviews = rec.cumulative_net - _joint_management_net(cfg, rec)
    noise = 1e-9 * np.maximum(1.0, np.abs(rec.cumulative_savings) + np.abs(rec.cumulative_costs))
    expected = {payback(reviews < 0), payback(reviews < -noise)}
    p = rec.payback_month
    assert math.isnan(p) or p == -math.inf or (float(p).is_integer() and 1 <= p <= H), f"payback_month {p}"
    assert any((math.isnan(p) and math.isnan(e)) or p == e for e in expected), \
        f"payback_month {p}, expected {' or '.join(map(str, sorted(expected)))}; reviews' net {reviews}"
    # NPV undiscounted is the net at the horizon
    assert math.isfinite(rec.npv), f"npv {rec.npv}"
    if cfg.programme.discount_rate == 0:
        net = rec.cumulative_net[-1]
        tol = 1e-6 * max(1.0, abs(rec.cumulative_savings[-1]) + abs(rec.cumulative_costs[-1]))
        assert abs(rec.npv - net) <= tol, f"npv {rec.npv} at discount 0, cumulative_net at horizon {net}"
    # inputs: one drawn value per replication parameter
    assert np.asarray(rec.inputs).shape == (len(parameter_paths(cfg)),)


@settings(max_examples=EXAMPLES, **SETTINGS)
@given(raw=configs(), seed=seeds)
def test_shares_in_unit_interval(raw, seed):
    cfg, rec = _run(raw, seed)
    T, C = cfg.programme.horizon_months + 1, len(cfg.councils)
    required = (rec.establishment[None] - rec.deleted).sum(axis=2)  # (T, C)
    member = np.array([any(c in s.posts for s in cfg.services) for c in cfg.council_names])
    for name in ("resilience", "staffing", "vacancy_rate"):
        a = getattr(rec, name)
        assert a.shape == (T, C), f"{name} has shape {a.shape}"
        # where a council has no required posts at all, staffing and vacancy rate are 0/0, and a
        # council in no service has no resilience to weigh: those are not judged
        defined = required > 0 if name != "resilience" else np.broadcast_to(member[None], (T, C))
        x = a[defined]
        assert np.all(np.isfinite(x)), f"{name} not finite where defined"
        assert ((x >= 0) & (x <= 1)).all(), f"{name} outside [0, 1]: {x.min()} .. {x.max()}"
    # vacancy_rate = Σ vacant / Σ (posts − deleted)
    vac = rec.vacant.sum(axis=2)
    d = required > 0
    np.testing.assert_allclose(rec.vacancy_rate[d], vac[d] / required[d], rtol=1e-12, atol=1e-12)


def _judge(staffed, required, specialists, disruption, safe):
    """Is a unit (a council's service, or a pooled live service) safe?  True, False or None (cannot tell).

    Effective staffing = staffed / required − disruption (1 when required = 0), safe when ≥ safe_staffing
    and, with specialist posts, one of them staffed.  The record counts posts without their kind, so a
    specialist is known to be staffed only when more posts are staffed than there are ordinary posts,
    and known not to be when none is staffed.
    """
    staffed, required, specialists = int(staffed), int(required), int(specialists)
    if required == 0:
        # effective staffing is 1; whether disruption is then taken off is not pinned down: both readings
        readings = {True} if disruption == 0 else {bool(1.0 >= safe), None if disruption is None else bool(1.0 - disruption >= safe)}
        staff_ok = readings.pop() if len(readings) == 1 else None
    elif disruption is None:
        staff_ok = None
    else:
        eff = staffed / required - disruption
        staff_ok = None if abs(eff - safe) < 1e-9 else bool(eff >= safe)
    if specialists == 0:
        spec_ok = True
    elif staffed > required - specialists:
        spec_ok = True
    elif staffed == 0:
        spec_ok = False
    else:
        spec_ok = None
    if staff_ok is False or spec_ok is False:
        return False
    if staff_ok is None or spec_ok is None:
        return None
    return True


@settings(max_examples=EXAMPLES, **SETTINGS)
@given(raw=configs(), seed=seeds)
def test_resilience_and_staffing_rules(raw, seed):
    """resilience and staffing recomputed from the post counts by the rules of interface §Resilience,
    wherever the counts settle the judgement (months and councils where they do not are skipped).

    Skipping can leave no resilience to compare at all (safe_staffing 1 and every post always filled:
    each judgement sits on the boundary), so the test counts the (month, council) cells it compares and
    fails if it compared no staffing: staffing is compared wherever a council has posts to fill, which
    month 0 always offers (no post is deleted before a go-live, and every service has a post somewhere)."""
    cfg, rec = _run(raw, seed)
    T, C, S = cfg.programme.horizon_months + 1, len(cfg.councils), len(cfg.services)
    names = cfg.council_names
    staffed = rec.filled + rec.covered
    required = rec.establishment[None] - rec.deleted
    spec = np.array([[s.specialists.get(c, 0) for s in cfg.services] for c in names])
    member = np.array([[c in s.posts for s in cfg.services] for c in names])
    safe = _value(cfg, rec, "programme.safe_staffing", cfg.programme.safe_staffing)
    weight = np.zeros((C, S))
    for j, s in enumerate(cfg.services):
        for i, c in enumerate(names):
            if member[i, j]:
                weight[i, j] = _value(cfg, rec, f"services.{s.name}.budget.{c}", s.budget[c])
    disruption = [_value(cfg, rec, f"services.{s.name}.implementation_disruption", s.implementation_disruption)
                  for s in cfg.services]
    impl = [_value(cfg, rec, f"services.{s.name}.implementation_months", s.implementation_months) for s in cfg.services]
    staffing_checked = resilience_checked = 0
    for t in range(T):
        # per service: live?  implementing? (None: cannot tell)
        live = [not np.isnan(rec.live[j]) and t >= rec.live[j] for j in range(S)]
        implementing = []
        for j in range(S):
            lv, ap = rec.live[j], rec.approved[j]
            if disruption[j] == 0 or live[j] or np.isnan(ap) or t < ap:
                implementing.append(False)
            elif np.isnan(lv) or abs(t - (lv - impl[j])) < 1e-7:
                implementing.append(None)
            else:
                implementing.append(t >= lv - impl[j])
        for i in range(C):
            js = np.flatnonzero(member[i])
            if js.size == 0:
                continue
            verdicts, num, den = [], 0.0, 0.0
            for j in js:
                if live[j]:
                    m = member[:, j]
                    pooled = (staffed[t, m, j].sum(), required[t, m, j].sum(), spec[m, j].sum())
                    verdicts.append(_judge(*pooled, 0.0, safe))
                    if pooled[1] > 0:
                        num += required[t, i, j] * pooled[0] / pooled[1]
                else:
                    d = None if implementing[j] is None else (disruption[j] if implementing[j] else 0.0)
                    verdicts.append(_judge(staffed[t, i, j], required[t, i, j], spec[i, j], d, safe))
                    num += staffed[t, i, j]
                den += required[t, i, j]
            if den > 0:
                assert abs(rec.staffing[t, i] - num / den) < 1e-9, (
                    f"staffing[{t}, {names[i]}] = {rec.staffing[t, i]}, expected {num / den}")
                staffing_checked += 1
            if any(v is None for v in verdicts):
                continue
            expected = sum(weight[i, j] * v for j, v in zip(js, verdicts)) / weight[i, js].sum()
            assert abs(rec.resilience[t, i] - expected) < 1e-9, (
                f"resilience[{t}, {names[i]}] = {rec.resilience[t, i]}, expected {expected} "
                f"(services {[cfg.service_names[j] for j in js]}, safe {verdicts}, live {[live[j] for j in js]}, "
                f"staffed {staffed[t, :, js].tolist()}, required {required[t, :, js].tolist()}, safe_staffing {safe})")
            resilience_checked += 1
    note(f"(month, council) cells checked of {T * C}: staffing {staffing_checked}, resilience {resilience_checked}")
    assert staffing_checked > 0, f"staffing was compared in none of the {T * C} (month, council) cells"


@settings(max_examples=40, **SETTINGS)
@given(raw=configs(), seed=seeds)
def test_same_seed_same_record(raw, seed):
    cfg, rec1 = _run(raw, seed)
    rec2 = run_replication(simshare.load_config(raw), np.random.SeedSequence(seed))
    fields = [f.name for f in dataclasses.fields(rec1)] if dataclasses.is_dataclass(rec1) else list(vars(rec1))
    assert fields, "record has no fields"
    for f in fields:
        a, b = getattr(rec1, f), getattr(rec2, f)
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            a, b = np.asarray(a), np.asarray(b)
            assert a.dtype == b.dtype and a.shape == b.shape, f"{f}: dtype/shape differ"
            assert a.tobytes() == b.tobytes(), f"{f} differs between two runs with the same seed"
        elif isinstance(a, float) and isinstance(b, float):
            assert (math.isnan(a) and math.isnan(b)) or a == b, f"{f}: {a} != {b}"
        else:
            assert a == b, f"{f}: {a!r} != {b!r}"
