"""What a run implies, in plain words, and how to reproduce it: the paragraph against the status quo, the
note on an end run-rate above the target, and the command line that reproduces each kind of result."""

from __future__ import annotations

import datetime as dt
import json
import shlex
from typing import Any, Mapping

import numpy as np
import xarray as xr

from ...analysis.blocks import reduce_replications
from ...analysis.results import (attr, format_money, full_month, has_joint_management, lowest_resilience,
                                 scenario_names, select_scenario, start_date, swept_dims, target_variable,
                                 unsafe_service_months)
from ...config import BASE, STATUS_QUO


# --------------------------------------------------------------------------- to reproduce


def toml_value(value: Any) -> str:
    """A value as TOML, as ``--set`` reads it: ``3``, ``0.2``, ``"text"``, ``["A", "B"]``, ``{dist = "pert", …}``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value), ensure_ascii=False)


def sweep_axes(ds: xr.Dataset) -> dict[str, list]:
    """A sweep's axes ({dotted path: values}) from its ``sweep_axes`` attribute, else from the swept dims'
    coordinates; empty for any other results."""
    text = attr(ds, "sweep_axes")
    if text:
        try:
            axes = json.loads(str(text))
            if isinstance(axes, Mapping):
                return {str(k): list(v) for k, v in axes.items()}
        except ValueError:
            pass
    return {d: [v.item() if hasattr(v, "item") else v for v in ds[d].values] for d in swept_dims(ds)}


def reproduce_command(ds: xr.Dataset) -> str:
    """The command line that reproduces these results from their config saved as ``CONFIG`` (the config a
    result records already holds any ``--set`` given to the run): ``simshare run`` (with ``--baseline``
    and ``--sampling`` as run), ``simshare compare`` (with each scenario and ``--baseline``) or
    ``simshare sweep`` (with every swept ``--set``)."""
    n = int(ds.sizes.get("replication", 0))
    seed = attr(ds, "seed")
    tail = ["-n", str(n), "--seed", str(seed if seed is not None else 1)]
    names = scenario_names(ds)
    if swept_dims(ds):
        words = ["simshare", "sweep", "CONFIG"]
        for path, values in sweep_axes(ds).items():
            words += ["--set", f"{path}={','.join(toml_value(v) for v in values)}"]
        return " ".join(shlex.quote(w) for w in words + tail)
    if attr(ds, "scenario_definitions") is not None or any(x not in (BASE, STATUS_QUO) for x in names):
        words = ["simshare", "compare", "CONFIG"]
        for name in names:
            if name not in (BASE, STATUS_QUO):
                words += ["--scenario", name]
        if STATUS_QUO in names:
            words.append("--baseline")
        return " ".join(shlex.quote(w) for w in words + tail)
    words = ["simshare", "run", "CONFIG", *tail]
    sampling = attr(ds, "sampling")
    if sampling not in (None, "mc", "given"):
        words += ["--sampling", str(sampling)]
    if STATUS_QUO in names:
        words.append("--baseline")
    return " ".join(shlex.quote(w) for w in words)


# --------------------------------------------------------------------------- against the status quo


def _agency(d: xr.Dataset) -> np.ndarray:
    """Each future's agency premium to the end, all councils: shape (replication,)."""
    last = d["agency_cost"].isel(time=-1, drop=True).transpose("replication", "council")
    return reduce_replications(last, lambda v: v.sum(axis=1))


def status_quo_paragraph(ds: xr.Dataset, base: str | None = None) -> str:
    """One plain paragraph on what the programme implies against the status quo (no programme, same random
    numbers): each council's lowest month and service-months unsafe in the median future, the agency
    premium, and the programme's NPV. Empty without a status quo."""
    names = scenario_names(ds)
    if STATUS_QUO not in names or swept_dims(ds):
        return ""
    base = base or next((x for x in names if x != STATUS_QUO), None)
    if base is None or base == STATUS_QUO:
        return ""
    b, q = select_scenario(ds, base), select_scenario(ds, STATUS_QUO)
    councils = [str(c) for c in ds["council"].values]
    low_b, low_q = lowest_resilience(b), lowest_resilience(q)
    uns_b, uns_q = unsafe_service_months(b), unsafe_service_months(q)
    parts, lower, longer = [], 0, 0
    for i, council in enumerate(councils):
        lb, lq = float(np.median(low_b[:, i])), float(np.median(low_q[:, i]))
        ub, uq = float(np.median(uns_b[:, i])), float(np.median(uns_q[:, i]))
        lower += lb < lq - 0.005
        longer += ub > uq + 0.5
        parts.append(f"{council} falls to {100 * lb:.0f} % of its services operating safely at its lowest month "
                     f"({100 * lq:.0f} % with no programme) and its services spend {ub:,.0f} service-months unsafe "
                     f"({uq:,.0f})")
    if lower or longer:
        verdict = ("The programme lowers resilience below the status quo: it dips deeper" if lower and longer else
                   "The programme dips resilience deeper than the status quo" if lower else
                   "The programme keeps services unsafe for longer than the status quo") + \
                  (" and for longer" if lower and longer else "") + ". "
    else:
        verdict = "The programme does not lower resilience below the status quo. "
    extra = float(np.median(_agency(b) - _agency(q)))
    npv = float(np.median(np.asarray(b["npv"].values, dtype=float)))
    cost = (f"It changes the agency premium paid to cover vacancies by {format_money(extra, sign='+' if extra >= 0 else '')} "
            f"in the median future, against an NPV of {format_money(npv)} for the programme as a whole.")
    why = (" The model's reasons: staff leave faster while their service is under review, and implementation "
           "takes part of the staff's time (docs/model.md, resilience)." if lower or longer else "")
    return f"<p id=\"status-quo-implication\">{verdict}In the median future, " + "; ".join(parts) + f". {cost}{why}</p>"


def end_rate_note(ds: xr.Dataset, scenario: str | None) -> str:
    """A word on why the run-rate at the end can exceed what a real programme achieved: given when the
    median run-rate at the end is above the savings target; empty otherwise."""
    target = attr(ds, "savings_target")
    if target is None or swept_dims(ds):
        return ""
    d = select_scenario(ds, scenario)
    name = target_variable(ds)
    end = np.asarray(d[name].isel(time=-1).values, dtype=float)
    median = float(np.nanmedian(end)) if np.isfinite(end).any() else float("nan")
    if not median > float(target):
        return ""
    whose = "the reviews' run-rate" if name == "service_savings_run_rate" and has_joint_management(ds) else \
        "the run-rate"
    last = full_month(start_date(ds), float(d["time"].values[-1]))
    return (f"<p class=\"note\" id=\"end-rate-note\">Why {whose} at the end (median {format_money(median)} a year) "
            f"is above the {format_money(float(target))} target: in the model every service that goes live keeps "
            f"its savings in force to the end of the simulated period ({last}), late go-lives ramp up in full, and "
            "nothing erodes a saving once made. A real programme's figure is counted at one date, may stop short "
            "(a reorganisation or abolition ends it), and can lose savings to later budget changes; read the end "
            "figure as what the plan would deliver if nothing else changed.</p>")


__all__ = ["toml_value", "sweep_axes", "reproduce_command", "status_quo_paragraph", "end_rate_note"]
