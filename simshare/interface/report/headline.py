"""The report's opening sentence(s), in plain words."""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from ...analysis.results import (attr, every_partner_ahead, format_money, full_month, has_joint_management,
                                 lowest_resilience, scenario_names, select_scenario, start_date, swept_dims,
                                 target_month, target_variable, unsafe_service_months)
from ...analysis.statistics import late_quantile
from ...analysis.summary import dissolution_probability, target_probability
from ...config import STATUS_QUO


def _chance(p: float, n: int) -> str:
    """'A 35 % chance', 'An 80 % chance', 'Less than a 1 % chance' (sentence start)."""
    pct = 100.0 * p
    if 0 < pct < 0.5:
        return "Less than a 1 % chance"
    if 99.5 <= pct < 100:
        return "A more than 99 % chance"
    whole = int(round(pct))
    article = "An" if whole in (8, 11, 18) or 80 <= whole <= 89 else "A"
    return f"{article} {whole} % chance"


def _years(months: float) -> str:
    years = months / 12.0
    return f"{years:g} years" if float(years).is_integer() else f"{months:g} months"


def _resilience_sentence(ds: xr.Dataset, d: xr.Dataset, scenario: str | None) -> str:
    """How deep and how long, for the council that dips lowest in the median future (against the status quo
    when the results hold it): its lowest month and its service-months unsafe."""
    low, unsafe = lowest_resilience(d), unsafe_service_months(d)
    if low is None or unsafe is None or not low.size:
        return ""
    medians = np.nanmedian(low, axis=0)
    if not np.isfinite(medians).any():
        return ""
    i = int(np.nanargmin(medians))
    council = str(d["council"].values[i])
    depth, length = float(medians[i]), float(np.median(unsafe[:, i]))
    quo = None
    if STATUS_QUO in scenario_names(ds) and scenario != STATUS_QUO:
        q = select_scenario(ds, STATUS_QUO)
        quo = (float(np.median(lowest_resilience(q)[:, i])), float(np.median(unsafe_service_months(q)[:, i])))
    who = council if len(medians) == 1 else f"{council}, the council that dips lowest,"
    sentence = (f"At its lowest month {who} has {100 * depth:.0f} % of its services (by budget) operating safely in "
                f"the median future")
    sentence += f" ({100 * quo[0]:.0f} % with no programme)" if quo else ""
    sentence += f", and its services spend {length:,.0f} service-months not operating safely over the period"
    sentence += f" ({quo[1]:,.0f} with no programme)." if quo else "."
    return sentence


def headline(ds: xr.Dataset, scenario: str | None = None) -> str:
    """The report's opening sentence(s), in plain words: the chance of reaching the savings target by the
    target date, the P50 and P80 finish dates, the spread of NPV (the reviews' apart from joint
    management's), how deep and how long the council that dips lowest falls below safe staffing (against the
    status quo when the results hold it), and the chance that every partner comes out ahead."""
    if swept_dims(ds):
        dims = swept_dims(ds)
        points = int(np.prod([ds.sizes[d] for d in dims]))
        return (f"A sweep of {', '.join(dims)}: {points} settings, each simulated in "
                f"{int(ds.sizes.get('replication', 0)):,} futures under the same random numbers.")
    d = select_scenario(ds, scenario)
    start = start_date(ds)
    n = int(d.sizes.get("replication", 0))
    horizon = float(d["time"].values[-1]) if "time" in d.coords else float(attr(ds, "horizon_months") or 0)
    end = full_month(start, horizon)
    clauses: list[str] = []
    if "review_start" in d and not np.isfinite(np.asarray(d["review_start"].values, dtype=float)).any():
        return (f"No programme: in these {n:,} simulated futures the councils carry on as they are "
                f"(no service is reviewed or shared by {end}).")
    target = attr(ds, "savings_target")
    prob = target_probability(ds, scenario=scenario)
    if prob is not None and target is not None:
        p = prob[0]
        tm = target_month(d)
        by = full_month(start, horizon if tm is None else tm)
        money = f"{format_money(float(target))} a year"
        if target_variable(ds) == "service_savings_run_rate" and has_joint_management(ds):
            by += " from the reviews alone (joint management left out)"
        if p <= 0:
            clauses.append(f"None of the {n:,} simulated futures reaches {money} by {by}")
        elif p >= 1:
            clauses.append(f"Every one of the {n:,} simulated futures reaches {money} by {by}")
        else:
            clauses.append(f"{_chance(p, n)} of reaching {money} by {by}")
    if "programme_complete_month" in d:
        x = np.asarray(d["programme_complete_month"].values, dtype=float).ravel()
        in_programme = "live" not in d or bool(np.isfinite(np.asarray(d["live"].values, dtype=float)).any())
        if x.size and in_programme:
            p50, p80 = late_quantile(x, 0.5), late_quantile(x, 0.8)
            done = float(np.mean(np.isfinite(x)))
            if math.isfinite(p80):
                clauses.append(f"the programme finishes by {full_month(start, p50)} in half of the simulated "
                               f"futures and by {full_month(start, p80)} in four out of five")
            elif math.isfinite(p50):
                clauses.append(f"the programme finishes by {full_month(start, p50)} in half of the simulated "
                               f"futures, but in more than one in five it is still unfinished when the simulation "
                               f"ends in {end}")
            elif done > 0:
                clauses.append(f"the programme finishes within the simulated period (by {end}) in only "
                               f"{100 * done:.0f} % of the simulated futures")
            else:
                clauses.append(f"the programme does not finish by {end} in any of the simulated futures")
    text = ""
    if clauses:
        first = clauses[0]
        text = first[0].upper() + first[1:] + "".join(f"; {c}" for c in clauses[1:]) + "."
    gone = dissolution_probability(ds, scenario=scenario)
    if gone is not None and gone[0] > 0:
        share = "fewer than 1 %" if gone[0] < 0.005 else f"{100 * gone[0]:.0f} %"
        text = f"{text} The partnership dissolves before {end} in {share} of the simulated futures.".strip()
    apart = has_joint_management(ds)
    if "npv" in d:
        npv = np.asarray(d["npv_services" if apart else "npv"].values, dtype=float).ravel()
        npv = npv[np.isfinite(npv)]
        if npv.size:
            p10, p50, p90 = np.percentile(npv, [10, 50, 90])
            whose = "the reviews' net present value" if apart else "the net present value"
            sentence = (f"Over the {_years(horizon)} simulated, {whose} is {format_money(p50)} in the "
                        f"median future, and between {format_money(p10)} and {format_money(p90)} in eight futures "
                        f"out of ten")
            if apart:
                joint = np.asarray(d["npv"].values, dtype=float) - np.asarray(d["npv_services"].values, dtype=float)
                sentence += f"; joint management adds {format_money(float(np.nanmedian(joint)))}"
            text = f"{text} {sentence}.".strip()
    resilience = _resilience_sentence(ds, d, scenario)
    if resilience:
        text = f"{text} {resilience}".strip()
    ahead = every_partner_ahead(ds, scenario)
    if ahead is not None and ahead.size and d.sizes.get("council", 0) > 1:
        share = float(np.mean(ahead))
        if share >= 1:
            sentence = "Every partner council comes out ahead (its own NPV above £0) in every simulated future."
        elif share <= 0:
            sentence = "In none of the simulated futures does every partner council come out ahead."
        else:
            sentence = f"{_chance(share, n)} that every partner council comes out ahead (its own NPV above £0)."
        text = f"{text} {sentence}".strip()
    return text or f"{n:,} simulated futures."


__all__ = ["headline"]
