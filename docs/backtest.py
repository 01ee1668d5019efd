"""Backtest of docs/validation.md: numbers and figures. Run from the repository root:

    .venv/bin/python docs/backtest.py
"""
import math
import numpy as np, matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import simshare
from simshare.analysis.statistics import quantile_ci
from simshare.engine.simulate import run_scenarios
from simshare.config import load_config

PLAN, ACTUAL, PEER, TOTAL = 33, 51, 61, 1_897_200


def at(x, value, keep=None):
    """Empirical CDF at value (NaN = never = +inf) and its binomial standard error, over the replications
    in ``keep`` (those in which the partnership had not dissolved by the fact's month) when given."""
    x = np.where(np.isnan(x), np.inf, np.asarray(x, float))
    if keep is not None:
        x = x[keep]
    p = float(np.mean(x <= value))
    return f"{p:.3f} ± {math.sqrt(p * (1 - p) / x.size):.3f}"

if __name__ == "__main__":
    cfg = simshare.load_config("configs/chiltern_south_bucks.toml")
    ds = simshare.simulate(cfg, replications=2000, seed=1, workers=2)
    r = ds.reviews_complete_month.values
    d = ds.dissolved_month.values
    lasted = lambda m: np.isnan(d) | (d > m)  # noqa: E731  the real partnership had not dissolved by then
    print("dissolved by month 51, 61, 120:", [round(float(np.mean(~lasted(m))), 3) for m in (ACTUAL, PEER, 120)])
    print("reviews_complete_month P5, P50, P95 (estimate, 95% CI):", [quantile_ci(r, q) for q in (0.05, 0.5, 0.95)])
    print("F(33) =", at(r, PLAN, lasted(PLAN)), " F(50) = F(51) =", at(r, ACTUAL, lasted(ACTUAL)),
          " F(52) =", at(r, 52, lasted(52)))
    for m in (PEER, 120):
        x = ds.savings_run_rate.sel(time=m).values
        print(f"savings_run_rate at month {m}: P5/P50/P95", np.percentile(x[lasted(m)], [5, 50, 95]).round(-3),
              " F(1,897,200) =", at(x, TOTAL, lasted(m)), " (all futures:", at(x, TOTAL), ")")

    # 1. when the last business case is approved
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    months = np.arange(34, 80, 2)
    counts = [(r == m).mean() for m in months]
    ax.bar(months, counts, width=1.6, color="#8da0cb", label="simulated (2,000 replications)")
    lo, hi = np.percentile(np.where(np.isnan(r), np.inf, r), [5, 95])  # NaN (never: dissolved first) as later than all
    ax.axvspan(lo, hi, color="#8da0cb", alpha=0.15, label=f"P5–P95 ({lo:.0f}–{hi:.0f})")
    ax.axvline(PLAN, color="#1b9e77", lw=2, label="plan: summer 2015 (month 33)")
    ax.axvline(ACTUAL, color="#d95f02", lw=2, label="actual: Jan 2017 (month 51)")
    ax.set_xlim(30, 80); ax.set_xlabel("month since Oct 2012 of the last JC approval (reviews_complete_month)")
    ax.set_ylabel("share of replications"); ax.legend(fontsize=7, loc="upper right", frameon=False)
    fig.tight_layout(); fig.savefig("docs/img/backtest_reviews.png", dpi=90); plt.close(fig)

    # 2. savings run-rate over time, and at the peer challenge (month 61)
    srr = ds.savings_run_rate.values / 1e6
    t = ds.time.values
    fig, (a, b) = plt.subplots(1, 2, figsize=(8.0, 3.0), gridspec_kw={"width_ratios": [3, 2]})
    for lo_, hi_, alpha in ((5, 95, 0.2), (25, 75, 0.35)):
        a.fill_between(t, np.percentile(srr, lo_, axis=0), np.percentile(srr, hi_, axis=0), color="#8da0cb", alpha=alpha, lw=0,
                       label=f"P{lo_}–P{hi_}")
    a.plot(t, np.median(srr, axis=0), color="#3b4cc0", lw=1.5, label="median")
    a.plot([PEER], [TOTAL / 1e6], "o", color="#d95f02", label="£1.897m/yr, Nov 2017")
    a.set_xlabel("month since Oct 2012"); a.set_ylabel("savings in force, £m/yr"); a.legend(fontsize=7, frameon=False, loc="lower right")
    x61 = ds.savings_run_rate.sel(time=PEER).values / 1e6
    # business-case ("identified") savings of the services approved by month 61, plus joint management
    ident = np.full(ds.sizes["replication"], cfg.programme.joint_management.saving_per_year)
    for j, s in enumerate(cfg.services):
        sf = ds.inputs.sel(parameter=f"services.{s.name}.savings_fraction").values
        ident = ident + sf * sum(s.budget.values()) * (ds.approved.values[:, j] <= PEER)
    bins = np.linspace(1.0, 3.2, 56)
    b.hist(x61, bins=bins, color="#8da0cb", label="in force")
    b.hist(ident / 1e6, bins=bins, color="#a6d854", alpha=0.8, label="business cases approved")
    b.axvline(TOTAL / 1e6, color="#d95f02", lw=2)
    b.set_ylim(0, 1.35 * b.get_ylim()[1])
    b.set_xlabel("savings at month 61, £m/yr"); b.set_yticks([]); b.legend(fontsize=7, frameon=False, loc="upper left")
    b.set_title(f"£1.897m: P{100 * np.mean(x61 <= TOTAL / 1e6):.0f} in force, "
                f"P{100 * np.mean(ident <= TOTAL):.0f} of business cases", fontsize=8)
    fig.tight_layout(); fig.savefig("docs/img/backtest_savings.png", dpi=90); plt.close(fig)
    print("business cases approved by month 61 + joint management: P5/P50/P95", np.percentile(ident, [5, 50, 95]).round(-3),
          " F(1,897,200) =", at(ident, TOTAL, lasted(PEER)))

    # 3. how the review-timing result depends on review_teams (common random numbers)
    teams = [2, 3, 4, 5]
    sc = {f"{k}": load_config(cfg, {"programme.review_teams": k}) for k in teams}
    dss = run_scenarios(sc, 1000, seed=1, workers=2)
    f33, f51 = [], []
    for k in teams:
        rk = dss.sel(scenario=str(k)).reviews_complete_month.values
        rk = np.where(np.isnan(rk), np.inf, rk)
        dk = dss.sel(scenario=str(k)).dissolved_month.values
        f33.append(np.mean(rk[np.isnan(dk) | (dk > PLAN)] <= PLAN))
        f51.append(np.mean(rk[np.isnan(dk) | (dk > ACTUAL)] <= ACTUAL))
    fig, ax = plt.subplots(figsize=(5.0, 2.8))
    ax.plot(teams, f33, "o-", color="#1b9e77", label="P(reviews done by month 33, the plan)")
    ax.plot(teams, f51, "s-", color="#d95f02", label="percentile of month 51 (the actual)")
    ax.axhspan(0.05, 0.95, color="grey", alpha=0.1, label="central 90%")
    ax.set_xticks(teams); ax.set_xlabel("programme.review_teams (config: 3)"); ax.set_ylim(-0.03, 1.03)
    ax.legend(fontsize=7, frameon=False, loc="center right")
    fig.tight_layout(); fig.savefig("docs/img/backtest_review_teams.png", dpi=90); plt.close(fig)
    for k, a33, a51 in zip(teams, f33, f51):
        print(f"review_teams={k}: P(<=33)={a33:.3f}  F(51)={a51:.3f}")
