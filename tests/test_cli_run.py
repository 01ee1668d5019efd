"""``simshare run`` and ``simshare summary`` on the command line (docs/model.md).

Every command runs in a subprocess, as a user would run it. A good run writes
``DIR/results.nc`` and prints the board table; ``summary`` prints the same table from
the file. Bad input of any kind exits 2 with a message on stderr that says what is wrong
and where, never a traceback, and leaves no result file behind.
"""

from __future__ import annotations

import math
import re
import subprocess
import tomllib

import numpy as np
import pytest
import xarray as xr

from simshare.analysis.results import format_money
from simshare.analysis.summary import summarise

from conftest import CSB, MINIMAL

MONTH = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}\b")
MONEY_CELL = re.compile(r"(-?£[0-9.]+[km]?) (±£[0-9.]+[km]?|±∞)")


# --------------------------------------------------------------------------- a good run


@pytest.fixture(scope="module")
def ran(tmp_path_factory, simshare_cli):
    out = tmp_path_factory.mktemp("run") / "out"
    result = simshare_cli("run", MINIMAL, "-n", "30", "--seed", "4", "-o", str(out), "-q")
    return out, result


def test_run_writes_results_and_prints_the_table(ran):
    out, result = ran
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["results.nc"], "temporary files or parts left behind"
    assert "P50" in result.stdout
    assert MONTH.search(result.stdout), result.stdout
    for label in ("P10", "P80", "P90", "mean", "NPV"):
        assert label in result.stdout, label
    with xr.open_dataset(out / "results.nc") as ds:
        assert ds.sizes["replication"] == 30
        assert int(ds.attrs["seed"]) == 4


def test_summary_prints_the_same_table(ran, simshare_cli):
    out, result = ran
    summary = simshare_cli("summary", str(out / "results.nc"))
    assert summary.returncode == 0, summary.stderr
    assert "P50" in summary.stdout and MONTH.search(summary.stdout)
    # run prints the table and then where it wrote the results
    assert result.stdout.startswith(summary.stdout), (result.stdout, summary.stdout)
    assert "results.nc" in result.stdout[len(summary.stdout):]
    folder = simshare_cli("summary", str(out))  # RESULTS may be the folder holding results.nc
    assert folder.returncode == 0, folder.stderr
    assert folder.stdout == summary.stdout


def _printed_npv_p50(text: str) -> str:
    [line] = [ln for ln in text.splitlines() if ln.startswith("NPV")]
    cells = MONEY_CELL.findall(line)
    assert len(cells) == 5, line  # P10, P50, P80, P90, mean
    return cells[1][0]


def _money_value(text: str) -> float:
    m = re.fullmatch(r"(-?)£([0-9.]+)([km]?)", text)
    assert m, text
    scale = {"": 1.0, "k": 1e3, "m": 1e6}[m.group(3)]
    return (-1 if m.group(1) else 1) * float(m.group(2)) * scale


def test_printed_npv_median_is_the_percentile_of_the_file(ran, simshare_cli):
    out, result = ran
    ds = xr.load_dataset(out / "results.nc")
    p50 = float(np.percentile(ds["npv"].values, 50))
    table = summarise(ds)
    assert table.at["npv", "P50"] == p50
    printed = _printed_npv_p50(result.stdout)
    assert printed == format_money(p50)
    assert printed == _printed_npv_p50(simshare_cli("summary", str(out / "results.nc")).stdout)
    # three significant figures: within half a unit of the third digit
    digit = 10 ** (math.floor(math.log10(abs(p50))) - 2)
    assert abs(_money_value(printed) - p50) <= digit / 2 + 1e-9


def test_set_with_wildcard_changes_every_service(tmp_path, simshare_cli):
    out = tmp_path / "out"
    result = simshare_cli("run", CSB, "-n", "2", "-o", str(out), "-q", "--set", "services.*.savings_fraction=0.2")
    assert result.returncode == 0, result.stderr
    with xr.open_dataset(out / "results.nc") as ds:
        config = tomllib.loads(ds.attrs["config"])
        parameters = [str(p) for p in ds["parameter"].values]
    services = config["services"]
    assert len(services) == 19
    assert all(s["savings_fraction"] == 0.2 for s in services), [s["savings_fraction"] for s in services]
    assert not [p for p in parameters if p.endswith(".savings_fraction")], "fixed values are not drawn"
    # nothing else changed: the original config with the override gives the same TOML
    plain = simshare_cli("run", CSB, "-n", "2", "-o", str(tmp_path / "plain"), "-q")
    assert plain.returncode == 0, plain.stderr
    with xr.open_dataset(tmp_path / "plain" / "results.nc") as ds:
        original = tomllib.loads(ds.attrs["config"])
    assert any(s["savings_fraction"] != 0.2 for s in original["services"])
    for s in original["services"]:
        s["savings_fraction"] = 0.2
    assert original == config


# --------------------------------------------------------------------------- bad input


def _message_lines(stderr: str) -> list[str]:
    """stderr without argparse's usage block (``usage: ...`` and its indented continuation)."""
    lines = stderr.rstrip("\n").splitlines()
    if lines and lines[0].startswith("usage:"):
        lines = lines[1:]
        while lines and lines[0].startswith(" "):
            lines = lines[1:]
    return lines


def assert_bad_input(result: subprocess.CompletedProcess, *needles: str) -> None:
    """Exit 2, no traceback, and a one-line message naming the problem.

    A config error is printed as ``[SOURCE: ]invalid config`` followed by one indented line
    per problem (the format ``simshare validate`` also uses); with a single problem that one
    line is the message.
    """
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout == "", result.stdout
    lines = _message_lines(result.stderr)
    if len(lines) == 2 and lines[0].endswith("invalid config") and lines[1].startswith("  "):
        lines = lines[1:]
    assert len(lines) == 1, f"expected a one-line message, got:\n{result.stderr}"
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not named in: {lines[0]}"


@pytest.fixture()
def files(tmp_path):
    (tmp_path / "afile").write_text("a plain file, not a folder\n")
    (tmp_path / "notes.txt").write_text("these are not results\n")
    xr.Dataset({"x": ("a", np.arange(3.0))}, attrs={"title": "not simshare"}).to_netcdf(tmp_path / "other.nc")
    return tmp_path


RUN = ["run", str(MINIMAL), "-q", "-o", "{tmp}/out"]

BAD = {
    "missing config": (["run", "{tmp}/nope.toml", "-n", "2", "-q", "-o", "{tmp}/out"], ["nope.toml"]),
    "-n 0": (RUN + ["-n", "0"], ["-n", "'0'"]),
    "-n abc": (RUN + ["-n", "abc"], ["-n", "abc"]),
    "--workers 0": (RUN + ["-n", "2", "--workers", "0"], ["--workers", "'0'"]),
    "unknown --set path": (RUN + ["-n", "2", "--set", "programme.nonsense=3"], ["programme.nonsense"]),
    "unknown --set service": (RUN + ["-n", "2", "--set", "services.Nowhere.savings_fraction=0.1"], ["Nowhere"]),
    "--set bad value": (RUN + ["-n", "2", "--set", "programme.approval_probability=2"], ["programme.approval_probability"]),
    "--set without =": (RUN + ["-n", "2", "--set", "programme.review_teams"], ["--set", "programme.review_teams"]),
    "unknown executor": (RUN + ["-n", "2", "--executor", "threads"], ["--executor", "threads"]),
    "unknown sampling": (RUN + ["-n", "2", "--sampling", "halton"], ["--sampling", "halton"]),
    "output under a file": (["run", str(MINIMAL), "-n", "2", "-q", "-o", "{tmp}/afile/sub"], ["afile/sub"]),
    "output in /proc": (["run", str(MINIMAL), "-n", "2", "-q", "-o", "/proc/simshare-test"], ["/proc/simshare-test"]),
    "summary of a text file": (["summary", "{tmp}/notes.txt"], ["notes.txt", "not a simshare results file"]),
    "summary of other netCDF": (["summary", "{tmp}/other.nc"], ["other.nc", "not a simshare results file"]),
    "summary of a missing file": (["summary", "{tmp}/missing.nc"], ["missing.nc"]),
    "precision malformed": (RUN + ["-n", "2", "--precision", "garbage"], ["--precision", "garbage"]),
    "precision unknown statistic": (RUN + ["-n", "2", "--precision", "npv:P42=1"], ["--precision", "P42"]),
    "precision unknown variable": (RUN + ["-n", "2", "--precision", "nonsense:P50=1"], ["--precision", "nonsense"]),
    "precision negative width": (RUN + ["-n", "2", "--precision", "npv:mean=-5"], ["--precision", "-5"]),
    "scheduler with serial executor": (RUN + ["-n", "2", "--scheduler", "tcp://127.0.0.1:8786", "--executor", "serial"],
                                       ["--scheduler", "serial"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_command_line_exits_2_with_a_message(files, case, simshare_cli):
    args, needles = BAD[case]
    result = simshare_cli(*(a.replace("{tmp}", str(files)) for a in args))
    assert_bad_input(result, *needles)
    assert not list(files.rglob("results.nc*")), "bad input left a result file"


def test_precision_short_of_its_target_warns_on_stderr(tmp_path, simshare_cli):
    result = simshare_cli("run", MINIMAL, "-n", "5", "--precision", "npv:mean=1", "--max-replications", "10",
                          "-o", str(tmp_path / "out"), "-q")
    assert result.returncode == 0, result.stderr
    assert re.search(r"simshare run: warning: precision not reached by the ceiling of 10 replications: "
                     r"npv mean: half-width reached \S+, target 1 \(£\)", result.stderr), result.stderr
    assert "(10 replications)" in result.stdout
