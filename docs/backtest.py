"""Backtest of docs/validation.md: numbers and figures. Run from the repository root:

    .venv/bin/python docs/backtest.py

The config is configs/chiltern_south_bucks.toml with one change: the number of concurrent review teams,
which the config infers from this very programme's throughput, is drawn from the evidence's range instead
(2, 3, 4 or 5, equally likely), so that the programme's own outturn is not fed back into the test of it.
"""
import math

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import simshare  # noqa: E402
from simshare.analysis.statistics import quantile_ci  # noqa: E402

PLAN, ACTUAL, PEER = 33, 51, 61
REVIEWS, JOINT = 1_237_200, 660_000          # identified by the 19 reviews; joint management [39]
TOTAL = REVIEWS + JOINT                       # £1,897,200
TEAMS = [2, 3, 4, 5]
DRAWN = {"programme.review_teams": {"dist": "discrete", "values": TEAMS}}


def at(x, value, keep=None):
    """Empirical CDF at value (NaN = never = +inf) and its binomial standard error, over the replications
    in ``keep`` (those in which the partnership had not dissolved by the fact's month) when given."""
    x = np.where(np.isnan(x), np.inf, np.asarray(x, float))
    if keep is not None:
        x = x[keep]
    p = float(np.mean(x <= value))
    return f"{p:.3f} ± {math.sqrt(p * (1 - p) / x.size):.3f}"


def identified(ds, cfg, month):
    """The reviews' business cases (savings_fraction × combined budget, before realisation) of the services
    approved by ``month``: what the LGA's "identified by the reviews" counts."""
    total = np.zeros(ds.sizes["replication"])
    for j, s in enumerate(cfg.services):
        sf = ds.inputs.sel(parameter=f"services.{s.name}.savings_fraction").values
        total += sf * sum(s.budget.values()) * (ds.approved.values[:, j] <= month)
    return total


if __name__ == "__main__":
    cfg = simshare.load_config("configs/chiltern_south_bucks.toml", DRAWN)
    ds = simshare.simulate(cfg, replications=2000, seed=1, workers=2)
    r = ds.reviews_complete_month.values
    d = ds.dissolved_month.values
    lasted = lambda m: np.isnan(d) | (d > m)  # noqa: E731  the real partnership had not dissolved by then
    print("dissolved by month 51, 61, 120:", [round(float(np.mean(~lasted(m))), 3) for m in (ACTUAL, PEER, 120)])
    teams = ds.inputs.sel(parameter="programme.review_teams").values
    print("reviews_complete_month P5, P50, P95 (estimate, 95% CI):", [quantile_ci(r, q) for q in (0.05, 0.5, 0.95)])
    print("F(33) =", at(r, PLAN, lasted(PLAN)), " F(50) = F(51) =", at(r, ACTUAL, lasted(ACTUAL)),
          " F(52) =", at(r, 52, lasted(52)))
    for k in TEAMS:
        rk = r[teams == k]
        print(f"review_teams={k} ({rk.size} replications): P(<=33) = {at(rk, PLAN)}  F(51) = {at(rk, ACTUAL)}  "
              f"median {np.nanmedian(rk):.0f}")

    cases = identified(ds, cfg, PEER)
    in_force = ds.service_savings_run_rate.sel(time=PEER).values
    end = ds.service_savings_run_rate.isel(time=-1).values
    print("reviews' business cases identified by month 61: P5/P50/P95", np.percentile(cases, [5, 50, 95]).round(-3),
          " F(1,237,200) =", at(cases, REVIEWS))
    print("  + joint management:", np.percentile(cases + JOINT, [5, 50, 95]).round(-3),
          " F(1,897,200) =", at(cases + JOINT, TOTAL))
    print("reviews' savings in force at month 61: P5/P50/P95", np.percentile(in_force, [5, 50, 95]).round(-3),
          " F(1,237,200) =", at(in_force, REVIEWS))
    print("reviews' savings in force at the horizon: P5/P50/P95", np.percentile(end, [5, 50, 95]).round(-3),
          " F(1,237,200) =", at(end, REVIEWS))
    ratio = in_force / np.where(cases > 0, cases, np.nan)
    print("in force ÷ identified at month 61: P5/P50/P95", np.nanpercentile(ratio, [5, 50, 95]).round(2))

    # 1. when the last business case is approved
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    months = np.arange(26, 80, 2)
    counts = [(r == m).mean() for m in months]
    ax.bar(months, counts, width=1.6, color="#8da0cb", label="simulated (2,000 replications, 2–5 teams)")
    lo, hi = np.nanpercentile(r, [5, 95])
    ax.axvspan(lo, hi, color="#8da0cb", alpha=0.15, label=f"P5–P95 ({lo:.0f}–{hi:.0f})")
    ax.axvline(PLAN, color="#1b9e77", lw=2, label="plan: summer 2015 (month 33)")
    ax.axvline(ACTUAL, color="#d95f02", lw=2, label="actual: Jan 2017 (month 51)")
    ax.set_xlim(24, 80); ax.set_xlabel("month since Oct 2012 of the last JC approval (reviews_complete_month)")
    ax.set_ylabel("share of replications"); ax.legend(fontsize=7, loc="upper right", frameon=False)
    fig.tight_layout(); fig.savefig("docs/img/backtest_reviews.png", dpi=90); plt.close(fig)

    # 2. the reviews' savings, like for like: in force over time; identified and in force at month 61
    srr = ds.service_savings_run_rate.values / 1e6
    t = ds.time.values
    fig, (a, b) = plt.subplots(1, 2, figsize=(8.0, 3.0), gridspec_kw={"width_ratios": [3, 2]})
    for lo_, hi_, alpha in ((5, 95, 0.2), (25, 75, 0.35)):
        a.fill_between(t, np.percentile(srr, lo_, axis=0), np.percentile(srr, hi_, axis=0), color="#8da0cb",
                       alpha=alpha, lw=0, label=f"P{lo_}–P{hi_}")
    a.plot(t, np.median(srr, axis=0), color="#3b4cc0", lw=1.5, label="median")
    a.plot([PEER], [REVIEWS / 1e6], "o", color="#d95f02", label="£1.237m/yr identified, Nov 2017")
    a.set_xlabel("month since Oct 2012"); a.set_ylabel("reviews' savings in force, £m/yr")
    a.legend(fontsize=7, frameon=False, loc="upper left")
    bins = np.linspace(0.0, 2.6, 53)
    b.hist(in_force / 1e6, bins=bins, color="#8da0cb", label="in force")
    b.hist(cases / 1e6, bins=bins, color="#a6d854", alpha=0.8, label="business cases identified")
    b.axvline(REVIEWS / 1e6, color="#d95f02", lw=2)
    b.set_ylim(0, 1.35 * b.get_ylim()[1])
    b.set_xlabel("the reviews' savings at month 61, £m/yr"); b.set_yticks([])
    b.legend(fontsize=7, frameon=False, loc="upper left")
    b.set_title(f"£1.237m: P{100 * np.mean(in_force <= REVIEWS):.0f} in force, "
                f"P{100 * np.mean(cases <= REVIEWS):.0f} of cases identified", fontsize=8)
    fig.tight_layout(); fig.savefig("docs/img/backtest_savings.png", dpi=90); plt.close(fig)

    # 3. how the review-timing result depends on the number of teams (the replications that drew each)
    f33 = [float(np.mean(np.nan_to_num(r[teams == k], nan=np.inf) <= PLAN)) for k in TEAMS]
    f51 = [float(np.mean(np.nan_to_num(r[teams == k], nan=np.inf) <= ACTUAL)) for k in TEAMS]
    fig, ax = plt.subplots(figsize=(5.0, 2.8))
    ax.plot(TEAMS, f33, "o-", color="#1b9e77", label="P(reviews done by month 33, the plan)")
    ax.plot(TEAMS, f51, "s-", color="#d95f02", label="percentile of month 51 (the actual)")
    ax.axhspan(0.05, 0.95, color="grey", alpha=0.1, label="central 90%")
    ax.set_xticks(TEAMS); ax.set_xlabel("programme.review_teams (drawn 2–5)"); ax.set_ylim(-0.03, 1.03)
    ax.legend(fontsize=7, frameon=False, loc="center right")
    fig.tight_layout(); fig.savefig("docs/img/backtest_review_teams.png", dpi=90); plt.close(fig)
