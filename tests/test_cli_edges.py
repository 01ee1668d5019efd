"""Bad input at the edges (issue 12, kinds 6–10): each refused with exit 2 naming the key or
argument, never a traceback; names that are allowed are shown literally everywhere."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import netCDF4
import numpy as np
import pytest

from simshare.interface.cli import main

from conftest import CSB, MINIMAL, ROOT


def _config(tmp_path: Path, old: str = "", new: str = "", name: str = "c.toml") -> Path:
    text = MINIMAL.read_text(encoding="utf-8")
    if old:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _exit2(capsys, argv: list[str], *named: str) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    for word in named:
        assert word in err, err
    return err


# kind 6: sizes that overflow or exhaust (config keys and command-line counts)
SIZES = [
    ("posts", "posts = {Eastham = 22", "posts = {Eastham = 3_000_000_000", ['services["Revenues and Benefits"].posts.Eastham', "1,000,000"]),
    ("total posts", "posts = {Eastham = 22, Westham = 18}", "posts = {Eastham = 600_000, Westham = 600_000}",
     ["posts in all"]),
    ("horizon", "horizon_months = 60 ", "horizon_months = 6_000_000 ", ["programme.horizon_months", "1,200"]),
    ("float posts", "posts = {Eastham = 22", "posts = {Eastham = inf", ['services["Revenues and Benefits"].posts.Eastham']),
]


@pytest.mark.parametrize("label,old,new,named", SIZES, ids=[s[0] for s in SIZES])
def test_sizes_in_the_config_are_bounded(tmp_path, capsys, label, old, new, named):
    _exit2(capsys, ["validate", str(_config(tmp_path, old, new))], *named)


ARGS = [
    (["-n", "1000000000000"], "-n"),
    (["-n", "1" * 5000], "-n"),
    (["--seed", str(2**64)], "seed"),
    (["--workers", "100000"], "--workers"),
    (["--chunk-size", "10000000000"], "--chunk-size"),
    (["--max-replications", "10000000000"], "--max-replications"),
]


@pytest.mark.parametrize("args,named", ARGS, ids=[a[1] + str(i) for i, a in enumerate(ARGS)])
def test_sizes_on_the_command_line_are_bounded(tmp_path, capsys, args, named):
    with pytest.raises(SystemExit) as exc:
        main(["run", str(MINIMAL), "-q", "-o", str(tmp_path / "out"), *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert named in err and "Traceback" not in err


def test_api_bounds_replications():
    from simshare import simulate

    with pytest.raises(ValueError, match="replications"):
        simulate(str(MINIMAL), replications=10**12)


# kind 7: malformed structure
STRUCTURE = [
    ("dist list", 'review_months = {dist = "pert", min = 3, mode = 6, max = 12}', 'review_months = {dist = ["pert"]}',
     [], ['services["Revenues and Benefits"].review_months']),
    ("dist table", 'review_months = {dist = "pert", min = 3, mode = 6, max = 12}', 'review_months = {dist = {a = 1}}',
     [], ['services["Revenues and Benefits"].review_months']),
    ("set through a number", "", "", ["--set", "programme.joint_management=5",
                                      "--set", "programme.joint_management.saving_per_year=1"],
     ["programme.joint_management.saving_per_year"]),
]


@pytest.mark.parametrize("label,old,new,extra,named", STRUCTURE, ids=[s[0] for s in STRUCTURE])
def test_malformed_structure(tmp_path, capsys, label, old, new, extra, named):
    _exit2(capsys, ["run", str(_config(tmp_path, old, new)), "-n", "2", "-q", "-o", str(tmp_path / "o"), *extra],
           *named)


# kind 8: names that break a backend
BAD_NAMES = [
    ("control character", 'name = "Eastham"', 'name = "East\\u0007ham"', "councils[0].name"),
    ("leading space", 'name = "Eastham"', 'name = " Eastham"', "councils[0].name"),
    ("trailing space", 'name = "Eastham"', 'name = "Eastham "', "councils[0].name"),
    ("newline", 'name = "Eastham"', 'name = "East\\nham"', "councils[0].name"),
    ("over-long", 'name = "Eastham"', f'name = "{"E" * 201}"', "councils[0].name"),
    ("empty", 'name = "Eastham"', 'name = ""', "councils[0].name"),
]


@pytest.mark.parametrize("label,old,new,named", BAD_NAMES, ids=[b[0] for b in BAD_NAMES])
def test_names_refused(tmp_path, capsys, label, old, new, named):
    _exit2(capsys, ["validate", str(_config(tmp_path, old, new))], named)


ODD_NAMES = ["East $\\foo$ ham", "<b>East</b> & \"ham\", 'x'", "Ēast, \u00e6ham; 50% $5"]


@pytest.mark.parametrize("name", ODD_NAMES)
def test_names_allowed_are_written_literally(tmp_path, capsys, name):
    text = MINIMAL.read_text(encoding="utf-8")
    quoted = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    text = text.replace('name = "Eastham"', f"name = {quoted}").replace("Eastham = ", f"{quoted} = ")
    cfg = tmp_path / "odd.toml"
    cfg.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(cfg), "-n", "4", "-q", "-o", str(out), "--report"]) == 0, capsys.readouterr().err
    with netCDF4.Dataset(out / "results.nc") as nc:
        assert name in list(nc["council"][:])
    import html

    assert html.escape(name, quote=True) in (out / "report.html").read_text(encoding="utf-8")


# kind 9: a scheduler that is not there, or not an address
@pytest.mark.parametrize("address,named", [("not a url", "--scheduler"), ("tcp://127.0.0.1:1", "tcp://127.0.0.1:1")])
def test_unreachable_scheduler(tmp_path, capsys, address, named):
    _exit2(capsys, ["run", str(MINIMAL), "-n", "2", "-q", "-o", str(tmp_path / "o"), "--scheduler", address], named)


# kind 10: foreign result files
def _foreign(tmp_path: Path) -> Path:
    path = tmp_path / "foreign.nc"
    with netCDF4.Dataset(path, "w") as nc:
        nc.createDimension("replication", 3)
        nc.createVariable("npv", "f8", ("replication",))[:] = np.arange(3.0)
        nc.simshare_version = "0.1"
    return path


@pytest.mark.parametrize("command", ["summary", "report"])
def test_foreign_results_refused(tmp_path, capsys, command):
    _exit2(capsys, [command, str(_foreign(tmp_path))], "not a simshare results file", "foreign.nc")


def test_run_given_a_results_file(tmp_path, capsys):
    _exit2(capsys, ["run", str(_foreign(tmp_path)), "-n", "2", "-q", "-o", str(tmp_path / "o")],
           "results file", "summary")


def test_validate_given_a_binary_file(tmp_path, capsys):
    junk = tmp_path / "junk.toml"
    junk.write_bytes(bytes(range(256)) * 4)
    _exit2(capsys, ["validate", str(junk)], "junk.toml")


def test_a_config_warning_is_said_once_per_command(tmp_path, capsys):
    """The business-case warning of the flagship config: the config is loaded again for the status quo and
    for the report, but the user reads the warning once."""
    assert main(["run", str(CSB), "-n", "4", "-q", "--baseline", "--report", "-o", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert err.count("worth more than the whole case") == 1, err
