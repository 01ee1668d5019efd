"""Sensitivity (issue 13): the screen, one set of files per method, figures a reader can use (money in £,
units, 95 % intervals beside every index, caveats, SALib's warnings in words, Sobol's -n a power of 2)."""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
import pytest
import xarray as xr

import simshare
from simshare.analysis import sensitivity as sens
from simshare.analysis.sensitivity.catalogue import format_output, format_parameter
from simshare.analysis.sensitivity.caveats import caveats
from simshare.analysis.sensitivity.designs import sobol_base_samples
from simshare.analysis.sensitivity.rank import Z95, spearman_conf
from simshare.analysis.sensitivity.salib import warnings_sentence
from simshare.analysis.sensitivity.screen import same_run
from simshare.analysis.sensitivity.text import format_study, indices_text
from simshare.analysis.sensitivity.tornado import swing_conf

from conftest import MINIMAL, SHARED_PLANNING, council, service, small_config

SF = "services.Svc.savings_fraction"
COST = "services.Svc.one_off_cost"
INERT = ["councils.North.agency_premium", "councils.South.agency_premium"]  # nobody leaves: no agency staff

# one dominant parameter (a wide savings fraction), one nearly inert (a £500 range of cost) and two exactly
# inert (agency premiums where nobody ever leaves, so no post is ever covered)
SCREENED = small_config(
    [service(savings_fraction={"dist": "uniform", "min": 0.02, "max": 0.3},
             one_off_cost={"dist": "uniform", "min": 10_000, "max": 10_500})],
    councils=[council("North", agency_premium={"dist": "uniform", "min": 0.2, "max": 0.6}),
              council("South", agency_premium={"dist": "uniform", "min": 0.2, "max": 0.6})],
    horizon=48)


@pytest.fixture(scope="module")
def screened_tornado():
    return sens.study(SCREENED, "tornado", replications=20, seed=2, top=1, screen_replications=200)


# --------------------------------------------------------------------------- the screen


def test_screen_keeps_the_dominant_parameter_and_drops_the_inert_ones(screened_tornado):
    screen = screened_tornado.screen
    assert screen.kept == [SF]
    assert set(screen.dropped) == {COST, *INERT}
    assert screen.r2_top > 0.95, "the savings fraction alone explains NPV's ranks"
    assert screen.r2_all == pytest.approx(screen.r2_top, abs=0.02), "the inert ones add nothing"
    result = screened_tornado.result
    assert [str(p) for p in result["parameter"].values] == [SF]
    assert all(p in result.attrs["screened_out"] for p in INERT)
    assert result.attrs["screen_top"] == 1 and result.attrs["screen_parameters"] == 4
    text = format_study(screened_tornado)
    assert "3 screened out" in text and INERT[0] in text


def test_the_tornado_base_is_the_screening_runs_first_replications(screened_tornado):
    """Common random numbers: the base scenario is not run again, and gives the same figures as a run of its own."""
    own = sens.study(SCREENED, "tornado", parameters=[SF], replications=20, seed=2)
    assert own.screen is None
    assert screened_tornado.result.attrs["base_p50"] == own.result.attrs["base_p50"]
    np.testing.assert_array_equal(screened_tornado.result["swing_p50"].values, own.result["swing_p50"].values)


def test_screened_out_parameters_are_in_the_files(screened_tornado, tmp_path):
    files = sens.write_study(screened_tornado, None, tmp_path)
    with xr.open_dataset(tmp_path / "sensitivity-tornado.nc") as ds:
        screen = ds["screen"].to_series()
        assert screen[SF] == "studied" and all(screen[p] == "screened out" for p in INERT)
        assert math.isnan(float(ds["swing_p50"].sel(parameter=INERT[0])))
        assert ds.attrs["screen_r2_top"] > 0.95
    csv = (tmp_path / "sensitivity-tornado.csv").read_text()
    assert "screened out" in csv and "screen" in csv.splitlines()[0]
    assert sorted(os.path.basename(f) for f in files) == ["sensitivity-tornado.csv", "sensitivity-tornado.nc"]


@pytest.mark.parametrize("kwargs, message", [
    ({"top": 0}, "top must be"),
    ({"top": 2, "parameters": [SF]}, "not both"),
    ({"screen_replications": 1}, "screen_replications"),
])
def test_bad_screen_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sens.sensitivity(SCREENED, "tornado", replications=4, **kwargs)


# --------------------------------------------------------------------------- files per method


def test_each_method_writes_its_own_files_and_a_rerun_replaces_only_its_own(tmp_path, simshare_cli):
    out = tmp_path / "out"
    common = ("-o", str(out), "-q", "--screen-replications", "40")
    for method, n in (("tornado", "6"), ("morris", "4")):
        result = simshare_cli("sensitivity", MINIMAL, "--method", method, "-n", n, *common)
        assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"sensitivity-{m}.{x}" for m in ("morris", "tornado") for x in ("csv", "nc", "png")]
    morris_times = {p.name: p.stat().st_mtime_ns for p in out.glob("sensitivity-morris.*")}
    result = simshare_cli("sensitivity", MINIMAL, "--method", "tornado", "-n", "8", *common)
    assert result.returncode == 0, result.stderr
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("sensitivity-morris.*")} == morris_times
    with xr.open_dataset(out / "sensitivity-tornado.nc") as ds:
        assert ds.attrs["replications"] == 8


@pytest.mark.parametrize("method, variable, stem", [
    ("tornado", "npv", "sensitivity-tornado"),
    ("sobol", "programme_complete_month", "sensitivity-sobol-programme_complete_month"),
    ("morris", "savings_run_rate@24", "sensitivity-morris-savings_run_rate-at-24"),
    ("tornado", "lowest_resilience[South Bucks]", "sensitivity-tornado-lowest_resilience_South_Bucks"),
])
def test_file_names_name_the_method_and_the_output(method, variable, stem):
    assert sens.output_stem(method, variable) == stem


def test_a_failed_write_leaves_the_previous_files_and_no_partial_ones(screened_tornado, tmp_path):
    sens.write_study(screened_tornado, None, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    class Broken:
        def savefig(self, path, **kwargs):
            open(path, "wb").write(b"half")
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        sens.write_study(screened_tornado, None, tmp_path, figure=Broken())
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


# --------------------------------------------------------------------------- a reader's figures


@pytest.mark.parametrize("value, units, text", [
    (211_500.0, "£", "£212k"), (2_115_000.0, "£", "£2.12m"), (-45_000.0, "£", "-£45.0k"),
    (160_000.0, "£/yr", "£160k/yr"), (4.25, "months", "4.2 mo"), (0.13, "1/yr", "13 %/yr"),
    (2.0, "slots", "2 slots"), (0.085, "1", "0.085"), (math.nan, "£", "n/a"),
])
def test_parameter_values_in_their_units(value, units, text):
    assert format_parameter(value, units) == text


@pytest.mark.parametrize("value, units, text", [
    (211_500.0, "£", "£212k"), (0.05, "1", "5 %"), (30.25, "months", "30.2"), (math.inf, "months", "after horizon"),
])
def test_outputs_in_their_units(value, units, text):
    assert format_output(value, units) == text


def test_tornado_table_is_in_pounds_with_intervals(screened_tornado):
    text = indices_text(screened_tornado.result)
    assert "£" in text and "e+0" not in text
    assert "±" in text and "95 % CI" in text


def test_every_variable_of_every_method_has_units(screened_tornado):
    datasets = [sens.study_dataset(screened_tornado)]
    for method in ("morris", "sobol"):
        datasets.append(sens.study_dataset(sens.study(SCREENED, method, replications=4, seed=1, top=2,
                                                      screen_replications=30)))
    for ds in datasets:
        missing = [v for v in ds.data_vars if "units" not in ds[v].attrs]
        assert not missing, (ds.attrs["method"], missing)
        assert ds["S1" if "S1" in ds else "spearman"].attrs["units"] == "1"
    assert datasets[0]["swing_p50"].attrs["units"] == "£"
    assert datasets[1]["mu_star_conf"].attrs["units"] == "£"
    assert "parameter_units" in datasets[0] and datasets[0]["parameter_units"].sel(parameter=SF) == "1"


def test_swing_intervals_come_from_the_paired_replications():
    rng = np.random.default_rng(0)
    low = rng.normal(100.0, 30.0, 400)
    high = low + 10.0 + rng.normal(0.0, 2.0, 400)  # common random numbers: the pairs move together
    p50_conf, mean_conf = swing_conf(low, high)
    assert mean_conf == pytest.approx(Z95 * np.std(high - low, ddof=1) / 20.0)
    assert 0 < p50_conf < 10, "the P50 swing's bootstrap interval reflects the pairing, not the spread of 30"


def test_spearman_interval_by_hand():
    # Fisher z with Bonett–Wright: rho 0.5, n 103: se = sqrt(1.125 / 100)
    se = math.sqrt(1.125 / 100)
    expected = (math.tanh(math.atanh(0.5) + Z95 * se) - math.tanh(math.atanh(0.5) - Z95 * se)) / 2
    assert spearman_conf(np.array([0.5]), 103)[0] == pytest.approx(expected)


@pytest.mark.parametrize("n, kept, noted", [(1, 1, False), (128, 128, False), (200, 256, True), (129, 256, True)])
def test_sobol_base_samples_are_a_power_of_2(n, kept, noted):
    size, note = sobol_base_samples(n)
    assert size == kept and bool(note) == noted
    if noted:
        assert f"-n {n} rounded up to {kept}" in note


def test_cli_sobol_rounds_n_up_with_a_note(tmp_path, simshare_cli):
    result = simshare_cli("sensitivity", MINIMAL, "--method", "sobol", "-n", "3", "--screen-replications", "30",
                          "-o", str(tmp_path), "-q")
    assert result.returncode == 0, result.stderr
    assert "rounded up to 4" in result.stdout
    assert "Warning" not in result.stderr and "Traceback" not in result.stderr
    with xr.open_dataset(tmp_path / "sensitivity-sobol.nc") as ds:
        assert ds.attrs["n"] == 4


@pytest.mark.parametrize("args", [("--top", "0"), ("--top", "2", "--parameters", "x"), ("-n", "0"),
                                  ("--screen-replications", "0"), ("--screen-from", "no-such-results.nc")])
def test_cli_bad_sizes_exit_2(args, tmp_path, simshare_cli):
    result = simshare_cli("sensitivity", MINIMAL, *args, "-o", str(tmp_path), "-q")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def _sobol(s1, st, conf):
    d = len(s1)
    return xr.Dataset({"S1": ("parameter", np.array(s1)), "ST": ("parameter", np.array(st)),
                       "S1_conf": ("parameter", np.full(d, conf)), "ST_conf": ("parameter", np.full(d, conf))},
                      coords={"parameter": [f"p{i}" for i in range(d)]}, attrs={"method": "sobol", "n": 64})


def test_caveats_say_when_an_index_is_out_of_range_or_its_interval_wide():
    notes = caveats(_sobol([-0.08, 0.5], [1.4, 0.6], 0.05))
    assert len(notes) == 1 and "outside [0, 1]" in notes[0] and "1.40" in notes[0] and "-0.08" in notes[0]
    notes = caveats(_sobol([0.3, 0.01], [0.4, 0.05], 0.2))
    assert len(notes) == 1 and "wider than ±0.10" in notes[0] and "cannot be told from 0" in notes[0]
    assert caveats(_sobol([0.3, 0.2], [0.4, 0.3], 0.02)) == []
    tornado = xr.Dataset({"swing_p50": ("parameter", [100.0, 10.0]), "swing_p50_conf": ("parameter", [5.0, 8.0])},
                         coords={"parameter": ["a", "b"]}, attrs={"method": "tornado"})
    assert "1 of 2 P50 swing" in caveats(tornado)[0]


def test_salib_warnings_become_one_sentence():
    def model(u, groups):  # the second output varies in one mixed row (AB) only: SALib finds A and B constant
        return np.column_stack([u @ np.array([1.0, 2.0]), (np.arange(len(u)) == 1).astype(float)])

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing escapes
        result = sens.sobol_indices(model, ["x1", "x2"], n=64, seed=1, outputs=["y", "rare"])
    note = result.attrs["salib_note"]
    assert note.count(".") == 1 and "rare" in note and "identical values" in note
    assert warnings_sentence({}, 3) == ""


def test_morris_prints_no_design_row_correlations():
    study = sens.study(SCREENED, "morris", replications=4, seed=1, top=2, screen_replications=30)
    text = format_study(study)
    assert "the screening run, 30 replications" in text and "vary each parameter independently" in text
    chosen = sens.study(SCREENED, "morris", parameters=[SF, COST], replications=4, seed=1)
    assert chosen.ranks is None and "No rank correlations" in format_study(chosen)


def test_python_sensitivity_keeps_its_signature_and_screens():
    result = simshare.sensitivity(SCREENED, method="tornado", variable="npv", replications=10, top=1,
                                  screen_replications=60)
    assert [str(p) for p in result["parameter"].values] == [SF]
    assert "swing_p50_conf" in result and result["swing_p50"].attrs["units"] == "£"


def test_an_ordinary_run_can_be_the_screen_and_the_tornado_base(screened_tornado):
    run = simshare.simulate(SCREENED, replications=60, seed=2)
    cfg = sens.base_config(simshare.load_config(SCREENED))
    assert same_run(run, cfg, 2) and not same_run(run, cfg, 3)
    assert not same_run(run, simshare.load_config(small_config(horizon=48)), 2), "another config"
    study = sens.study(SCREENED, "tornado", replications=20, seed=2, top=1, screen_run=run)
    assert study.screen.kept == [SF] and study.screen.replications == 60
    assert study.runs == 2 * 20, "no screening run, no base run: the run given is both"
    assert study.result.attrs["base_p50"] == screened_tornado.result.attrs["base_p50"]


def test_a_screening_run_of_another_config_is_refused_up_front():
    """--screen-from results of another config (other parameters) was taken, then failed deep in the tornado."""
    other = simshare.simulate(SHARED_PLANNING, replications=6, seed=1)
    with pytest.raises(ValueError, match="not a run of this config"):
        simshare.sensitivity(MINIMAL, method="tornado", replications=4, screen_run=other)
