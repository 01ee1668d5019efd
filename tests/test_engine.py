"""The Monte Carlo engine (docs/model.md, docs/results-layout.md): simshare.simulate.

Results must be bit-identical whatever the executor, the number of workers and the
chunking; the dataset must describe itself well enough to be reproduced from its own
attributes; ``--baseline`` adds the status quo under common random numbers; a run
writes its file atomically and can be resumed after being killed.

Runs are kept small (a two-council config, 24 replications) and shared between tests
through module-scoped fixtures, because each executor pays a few seconds of start-up.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import signal
import subprocess
import sys
import time
import tomllib

import numpy as np
import pytest
import xarray as xr
from scipy import stats

import simshare
from simshare.analysis.precision import PrecisionWarning, parse_precision, precision_reached

from conftest import CSB, ROOT, council, service, small_config

#: small_config(**ENGINE): two councils share two services over four years. Every uncertain
#: replication parameter is uniform, so that a Latin hypercube's strata are equal-width bins in
#: value. recruitment_months is an occurrence duration (drawn afresh each campaign, not recorded),
#: which keeps the workforce random. The workforce has no programme effect (change and shared
#: turnover multipliers default to 1).
ENGINE = dict(
    services=[
        service("Revenues", budget={"Northton": 900_000, "Southam": 700_000}, posts={"Northton": 14, "Southam": 11},
                review={"dist": "uniform", "min": 3, "max": 9}, implementation={"dist": "uniform", "min": 6, "max": 12},
                savings_fraction={"dist": "uniform", "min": 0.05, "max": 0.20}, post_reduction_fraction=0.1),
        service("Legal", budget={"Northton": 400_000, "Southam": 350_000}, posts={"Northton": 6, "Southam": 5},
                review=4, implementation=6, savings_fraction=0.1),
    ],
    councils=[
        council("Northton", turnover_annual={"dist": "uniform", "min": 0.08, "max": 0.20},
                recruitment_months={"dist": "lognormal", "mean": 3, "sd": 1}),
        council("Southam", turnover_annual={"dist": "uniform", "min": 0.10, "max": 0.25},
                recruitment_months={"dist": "lognormal", "mean": 3.5, "sd": 1.5}),
    ],
    horizon=48,
    name="Engine test: two councils share two services",
    start="2020-01-01",
    review_teams=1,
    support_capacity=1,
)
SMALL = small_config(**ENGINE)

#: the uniform bounds of every uncertain parameter of SMALL, by dotted path
SMALL_UNIFORMS = {
    "councils.Northton.turnover_annual": (0.08, 0.20),
    "councils.Southam.turnover_annual": (0.10, 0.25),
    "services.Revenues.review_months": (3.0, 9.0),
    "services.Revenues.implementation_months": (6.0, 12.0),
    "services.Revenues.savings_fraction": (0.05, 0.20),
}

RHO = 0.6
TURNOVER = ["councils.Northton.turnover_annual", "councils.Southam.turnover_annual"]
# the same programme on a short horizon (the correlation test needs many replications, not long ones)
CORRELATED = small_config(**ENGINE, correlations=[{"between": TURNOVER, "rho": RHO}],
                          overrides={"programme.horizon_months": 12})

N = 24
SEED = 7

#: dims of every variable after the leading (scenario,) replication — docs/results-layout.md
LAYOUT_DIMS = {
    "savings_run_rate": ("time",),
    "cumulative_savings": ("time",),
    "cumulative_costs": ("time",),
    "cumulative_net": ("time",),
    "reviews_complete": ("time",),
    "services_live": ("time",),
    "vacancy_rate": ("time", "council"),
    "staffing": ("time", "council"),
    "resilience": ("time", "council"),
    "agency_cost": ("time", "council"),
    "review_start": ("service",),
    "approved": ("service",),
    "live": ("service",),
    "reviews_complete_month": (),
    "programme_complete_month": (),
    "payback_month": (),
    "npv": (),
    "inputs": ("parameter",),
}
MILESTONES = ["review_start", "approved", "live", "reviews_complete_month", "programme_complete_month"]


def assert_identical(a: xr.Dataset, b: xr.Dataset) -> None:
    """Same variables, dims, dtypes and coordinates; every value bit-identical (NaN == NaN)."""
    assert sorted(a.data_vars) == sorted(b.data_vars)
    assert dict(a.sizes) == dict(b.sizes)
    for name in a.data_vars:
        x, y = a[name], b[name]
        assert x.dims == y.dims, name
        assert x.dtype == y.dtype, name
        assert np.array_equal(x.values, y.values, equal_nan=x.dtype.kind in "fc"), f"{name} differs"
    assert sorted(a.coords) == sorted(b.coords)
    for name in a.coords:
        x, y = a[name].values, b[name].values
        assert np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"), f"coordinate {name} differs"


# --------------------------------------------------------------------------- shared runs


@pytest.fixture(scope="module")
def serial() -> xr.Dataset:
    return simshare.simulate(SMALL, replications=N, seed=SEED)


@pytest.fixture(scope="module")
def processes() -> xr.Dataset:
    return simshare.simulate(SMALL, replications=N, seed=SEED, executor="processes", workers=2)


@pytest.fixture(scope="module")
def dask_run() -> xr.Dataset:
    return simshare.simulate(SMALL, replications=N, seed=SEED, executor="dask", workers=2)


@pytest.fixture(scope="module")
def designs() -> dict[tuple[str, str], xr.Dataset]:
    """lhs and sobol runs: serial with chunks of 50 and of 1, and two processes with chunks of 5."""
    out = {}
    for sampling in ("lhs", "sobol"):
        out[sampling, "chunk50"] = simshare.simulate(SMALL, replications=N, seed=SEED, sampling=sampling,
                                                     chunk_size=50)
        out[sampling, "chunk1"] = simshare.simulate(SMALL, replications=N, seed=SEED, sampling=sampling,
                                                    chunk_size=1)
        out[sampling, "processes"] = simshare.simulate(SMALL, replications=N, seed=SEED, sampling=sampling,
                                                       executor="processes", workers=2, chunk_size=5)
    return out


@pytest.fixture(scope="module")
def baseline() -> xr.Dataset:
    return simshare.simulate(SMALL, replications=N, seed=SEED, baseline=True)


# --------------------------------------------------------------------------- reproducibility (§3.4)


def test_processes_executor_matches_serial(serial, processes):
    assert_identical(serial, processes)


def test_dask_executor_matches_serial(serial, dask_run):
    assert_identical(serial, dask_run)


def test_chunk_size_does_not_change_results(serial):
    one = simshare.simulate(SMALL, replications=N, seed=SEED, chunk_size=1)
    fifty = simshare.simulate(SMALL, replications=N, seed=SEED, chunk_size=50)
    assert_identical(one, fifty)
    assert_identical(one, serial)


def test_same_seed_same_results_other_seed_different(serial):
    again = simshare.simulate(SMALL, replications=N, seed=SEED)
    assert_identical(serial, again)
    other = simshare.simulate(SMALL, replications=N, seed=SEED + 1)
    assert not np.array_equal(serial["npv"].values, other["npv"].values)
    assert not np.array_equal(serial["inputs"].values, other["inputs"].values)


def test_results_are_random(serial):
    # guards the tests above: equality of constant arrays would prove nothing
    assert np.unique(serial["npv"].values).size == N
    for path in SMALL_UNIFORMS:
        assert np.unique(serial["inputs"].sel(parameter=path).values).size == N, path


@pytest.mark.parametrize("sampling", ["lhs", "sobol"])
def test_designs_reproducible_across_chunks_and_workers(designs, sampling):
    ref = designs[sampling, "chunk50"]
    assert ref.attrs["sampling"] == sampling
    assert_identical(ref, designs[sampling, "chunk1"])
    assert_identical(ref, designs[sampling, "processes"])
    again = simshare.simulate(SMALL, replications=N, seed=SEED, sampling=sampling, chunk_size=7)
    assert_identical(ref, again)


@pytest.mark.parametrize("sampling", ["lhs", "sobol"])
def test_designs_differ_from_monte_carlo(designs, serial, sampling):
    assert not np.array_equal(designs[sampling, "chunk50"]["inputs"].values, serial["inputs"].values)


@pytest.mark.parametrize("sampling", ["lhs", "sobol"])
def test_design_inputs_lie_within_their_marginals(designs, sampling):
    inputs = designs[sampling, "chunk50"]["inputs"]
    assert sorted(str(p) for p in inputs["parameter"].values) == sorted(SMALL_UNIFORMS)
    for path, (lo, hi) in SMALL_UNIFORMS.items():
        x = inputs.sel(parameter=path).values
        assert np.all((x >= lo) & (x <= hi)), path


def test_latin_hypercube_is_stratified(designs):
    """Each uncertain parameter's column holds exactly one value in each 1/n probability stratum."""
    inputs = designs["lhs", "chunk50"]["inputs"]
    n = inputs.sizes["replication"]
    assert sorted(str(p) for p in inputs["parameter"].values) == sorted(SMALL_UNIFORMS)
    for path, (lo, hi) in SMALL_UNIFORMS.items():
        u = (inputs.sel(parameter=path).values - lo) / (hi - lo)  # the marginal cdf of a uniform
        strata = np.floor(u * n).astype(int)
        assert np.array_equal(np.sort(strata), np.arange(n)), f"{path}: strata {sorted(strata)}"


@pytest.mark.parametrize("sampling", ["mc", "lhs"])
def test_rank_correlation_is_honoured(sampling):
    n = 400
    ds = simshare.simulate(CORRELATED, replications=n, seed=11, sampling=sampling, chunk_size=50)
    a = ds["inputs"].sel(parameter=TURNOVER[0]).values
    b = ds["inputs"].sel(parameter=TURNOVER[1]).values
    rho = stats.spearmanr(a, b).statistic
    assert abs(rho - RHO) <= 4 * (1 - RHO**2) / math.sqrt(n), f"{sampling}: Spearman {rho:.3f}, wanted {RHO}"
    # an uncorrelated pair stays (near) uncorrelated
    c = ds["inputs"].sel(parameter="services.Revenues.savings_fraction").values
    assert abs(stats.spearmanr(a, c).statistic) <= 4 / math.sqrt(n)


# --------------------------------------------------------------------------- the dataset (§3.3)


def test_every_variable_has_units(serial):
    for name in serial.data_vars:
        units = serial[name].attrs.get("units")
        assert isinstance(units, str) and units.strip(), f"{name} has no units"


def test_variables_and_dims_follow_the_layout(serial):
    assert set(LAYOUT_DIMS) <= set(serial.data_vars)
    for name, dims in LAYOUT_DIMS.items():
        assert serial[name].dims == ("replication",) + dims, name


def test_coordinates_follow_the_layout(serial):
    cfg = SMALL
    horizon = cfg["programme"]["horizon_months"]
    assert np.array_equal(serial["replication"].values, np.arange(N))
    assert np.array_equal(serial["time"].values, np.arange(horizon + 1))
    assert serial["date"].dims == ("time",)
    assert np.issubdtype(serial["date"].dtype, np.datetime64)
    start = np.datetime64(cfg["programme"]["start"], "M")
    assert np.array_equal(serial["date"].values.astype("datetime64[D]"),
                          (start + np.arange(horizon + 1)).astype("datetime64[D]"))
    assert [str(c) for c in serial["council"].values] == ["Northton", "Southam"]
    assert [str(s) for s in serial["service"].values] == ["Revenues", "Legal"]
    assert serial["parameter_units"].dims == ("parameter",)
    assert "scenario" not in serial.dims


def test_attributes_record_what_reproduces_the_run(serial):
    attrs = serial.attrs
    for key in ("config", "seed", "simshare_version", "created", "sampling", "replications", "start",
                "horizon_months", "config_name"):
        assert key in attrs, key
    assert int(attrs["seed"]) == SEED
    assert int(attrs["replications"]) == N
    assert attrs["sampling"] == "mc"
    assert attrs["simshare_version"] == simshare.__version__
    dt.datetime.fromisoformat(attrs["created"])
    assert attrs["start"] == "2020-01-01"
    assert int(attrs["horizon_months"]) == 48
    assert "savings_target" not in attrs and "target_month" not in attrs


@pytest.mark.parametrize("which", ["mc", "lhs"])
def test_run_reproduces_from_its_own_attributes(serial, designs, which):
    ds = serial if which == "mc" else designs["lhs", "chunk50"]
    cfg = simshare.load_config(tomllib.loads(ds.attrs["config"]))
    again = simshare.simulate(cfg, replications=int(ds.attrs["replications"]), seed=int(ds.attrs["seed"]),
                              sampling=str(ds.attrs["sampling"]))
    assert_identical(ds, again)
    assert again.attrs["config"] == ds.attrs["config"]


def test_reference_config_reproduces_from_its_own_attributes():
    ds = simshare.simulate(str(CSB), replications=3, seed=5)
    cfg = simshare.load_config(tomllib.loads(ds.attrs["config"]))
    assert_identical(ds, simshare.simulate(cfg, replications=3, seed=5))


# --------------------------------------------------------------------------- baseline (status quo)


def test_baseline_adds_the_status_quo(baseline):
    assert [str(s) for s in baseline["scenario"].values] == ["base", "status quo"]
    for name, dims in LAYOUT_DIMS.items():
        assert baseline[name].dims == ("scenario", "replication") + dims, name
    sq = baseline.sel(scenario="status quo")
    for name in MILESTONES:
        assert np.all(np.isnan(sq[name].values)), f"status quo {name} is not all NaN"
    assert np.all(sq["savings_run_rate"].values == 0)
    assert np.all(sq["services_live"].values == 0)
    base = baseline.sel(scenario="base")
    assert np.any(np.isfinite(base["live"].values)), "the programme never goes live: nothing is compared"


def test_baseline_base_scenario_matches_a_plain_run(baseline, serial):
    base = baseline.sel(scenario="base", drop=True)
    for name in serial.data_vars:
        x, y = base[name].values, serial[name].values
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name


def test_baseline_uses_common_random_numbers(baseline):
    base, sq = baseline.sel(scenario="base"), baseline.sel(scenario="status quo")
    for path in TURNOVER:
        assert np.array_equal(base["inputs"].sel(parameter=path).values, sq["inputs"].sel(parameter=path).values)
    first_live = np.nanmin(np.where(np.isnan(base["live"].values), np.inf, base["live"].values), axis=1)
    times = base["time"].values
    compared = 0
    for r in range(base.sizes["replication"]):
        before = times < first_live[r]
        x = base["vacancy_rate"].isel(replication=r).values[before]
        y = sq["vacancy_rate"].isel(replication=r).values[before]
        assert np.array_equal(x, y), f"replication {r}: vacancy before go-live differs"
        compared += before.sum()
    assert compared >= base.sizes["replication"] * 10
    # the workforce is genuinely random before go-live, so the equality above is not trivial
    assert np.unique(base["vacancy_rate"].values[:, :10]).size > 3


# --------------------------------------------------------------------------- output file


def test_output_is_written_atomically(tmp_path, serial):
    path = tmp_path / "results.nc"
    ds = simshare.simulate(SMALL, replications=N, seed=SEED, output=path)
    try:
        assert sorted(p.name for p in tmp_path.iterdir()) == ["results.nc"]
        loaded = xr.load_dataset(path)
        assert_identical(ds, loaded)
        assert ds.attrs == loaded.attrs
        assert_identical(serial, loaded)
    finally:
        ds.close()
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob("*.parts"))


# --------------------------------------------------------------------------- resume (CLI)


def test_killed_run_resumes_to_identical_results(tmp_path, simshare_cli):
    n = "300"
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    command = [sys.executable, "-m", "simshare", "run", str(CSB), "-n", n, "--chunk-size", "5", "-q"]
    parts = killed / "results.nc.parts"
    proc = subprocess.Popen(command + ["-o", str(killed)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if parts.is_dir() and len(list(parts.glob("part-*.npz"))) >= 3:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the run finished before it could be killed; raise -n"
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
    stored = sorted(p.name for p in parts.glob("part-*.npz"))
    assert len(stored) >= 3
    assert not (killed / "results.nc").exists(), "a killed run left a results file"

    # resuming with another seed would mix two runs: refused, and the stored parts kept
    refused = simshare_cli("run", CSB, "-n", n, "--chunk-size", "5", "-o", killed, "-q", "--resume", "--seed", "2")
    assert refused.returncode == 2, refused.stderr
    assert "Traceback" not in refused.stderr
    assert "seed" in refused.stderr and "resume" in refused.stderr, refused.stderr
    assert set(stored) <= {p.name for p in parts.glob("part-*.npz")}
    assert not (killed / "results.nc").exists()

    resumed = simshare_cli("run", CSB, "-n", n, "--chunk-size", "5", "-o", killed, "-q", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    full = simshare_cli("run", CSB, "-n", n, "--chunk-size", "5", "-o", whole, "-q")
    assert full.returncode == 0, full.stderr

    assert sorted(p.name for p in killed.iterdir()) == ["results.nc"], "parts or temporary files left behind"
    a, b = xr.load_dataset(killed / "results.nc"), xr.load_dataset(whole / "results.nc")
    assert a.sizes["replication"] == int(n)
    assert_identical(a, b)
    for key in ("config", "seed", "sampling", "replications"):
        assert a.attrs[key] == b.attrs[key], key


# --------------------------------------------------------------------------- precision


def test_precision_adds_replications_until_reached():
    cfg = SMALL
    first = simshare.simulate(cfg, replications=50, seed=3)
    [(_, hw50, _)] = precision_reached(first, parse_precision("npv:mean=1"))
    assert math.isfinite(hw50) and hw50 > 0
    wanted = 0.8 * hw50
    spec = f"npv:mean={wanted:.6g}"
    ds = simshare.simulate(cfg, replications=50, seed=3, precision=spec, max_replications=400)
    n = ds.sizes["replication"]
    assert n > 50
    assert n <= 400
    assert int(ds.attrs["replications"]) == n
    assert np.array_equal(ds["replication"].values, np.arange(n))
    [(_, hw, ok)] = precision_reached(ds, parse_precision(spec))
    assert ok or n == 400, f"stopped at {n} replications with half-width {hw:.4g} > {wanted:.4g}"
    # replication i is the same whatever the run's size (§3.4): the first 50 are the 50-replication run
    assert_identical(first, ds.isel(replication=slice(0, 50)))


def test_precision_on_a_councils_unsafe_months():
    """A per-council row (service-months not operating safely) works as a target end to end: the run
    records it, and the half-width it records is the one the results give."""
    spec = "unsafe_months[Northton]:mean=1e6"
    ds = simshare.simulate(SMALL, replications=5, seed=3, precision=spec)
    assert ds.sizes["replication"] == 5 and int(ds.attrs["precision_reached"]) == 1
    [(target, hw, ok)] = precision_reached(ds, parse_precision(spec))
    assert ok and json.loads(ds.attrs["precision_half_widths"]) == {target.spec: hw}


def test_precision_not_reached_by_the_ceiling_warns_and_is_recorded():
    """The API's default ceiling is the command line's, 20 × n; stopping short of a target is said and recorded."""
    with pytest.warns(PrecisionWarning, match=r"npv mean: half-width reached \S+, target 1 \(£\)"):
        ds = simshare.simulate(SMALL, replications=5, seed=3, precision="npv:mean=1")
    assert ds.sizes["replication"] == 100
    assert int(ds.attrs["precision_reached"]) == 0
    assert ds.attrs["precision_target"] == "npv:mean=1.0"
    [(_, hw, ok)] = precision_reached(ds, parse_precision("npv:mean=1"))
    assert not ok and json.loads(ds.attrs["precision_half_widths"]) == {"npv:mean=1.0": hw}
    reached = simshare.simulate(SMALL, replications=5, seed=3, precision="npv:mean=1e12")
    assert reached.sizes["replication"] == 5 and int(reached.attrs["precision_reached"]) == 1
