"""Invalid configs are refused with messages that name the offending key (docs/model.md).

Each case is a small edit of a valid base config (the shared small config's variant
with uncertain inputs, as TOML text).  For every case the command line
``simshare validate FILE`` must exit 2, name the key path on stderr and never print a
traceback; and ``simshare.load_config`` must raise ``ConfigError`` whose ``errors``
lines name the same key path.

The CLI is run once per case, as a subprocess; the subprocesses are started together
(a few at a time) by a module fixture, because each one pays ~1 s of imports.
"""

from __future__ import annotations

import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

import simshare
from simshare.config import scenario_config
from simshare.interface.cli import main

from conftest import TWO_SERVICES, small_config, toml_text

#: The variant with uncertain inputs (conftest.TWO_SERVICES) as TOML text: each case below edits it.
BASE = toml_text(small_config(**TWO_SERVICES))

# Uncertain replication parameters of the base, for correlation cases.
TURNOVER_C = "councils.Chiltern.turnover_annual"
SAVINGS_P = "services.Planning.savings_fraction"
REVIEW_P = "services.Planning.review_months"


# --------------------------------------------------------------------------- edits


def sub(old: str, new: str) -> Callable[[str], str]:
    """Replace the one occurrence of ``old`` in the base (fails loudly if it is not unique)."""

    def edit(text: str) -> str:
        assert text.count(old) == 1, f"test bug: {old!r} occurs {text.count(old)} times in the base"
        return text.replace(old, new)

    return edit


def drop(old: str) -> Callable[[str], str]:
    return sub(old, "")


def append(extra: str) -> Callable[[str], str]:
    return lambda text: text + "\n" + extra


def prepend(extra: str) -> Callable[[str], str]:
    return lambda text: extra + "\n" + text


def chain(*edits: Callable[[str], str]) -> Callable[[str], str]:
    def edit(text: str) -> str:
        for e in edits:
            text = e(text)
        return text

    return edit


def drop_programme(text: str) -> str:
    """Remove [programme] and [programme.joint_management] altogether."""
    start = text.index("[programme]")
    end = text.index("[[councils]]")
    return text[:start] + text[end:]


def correlation(a: str, b: str, rho: float) -> str:
    return f'[[correlations]]\nbetween = ["{a}", "{b}"]\nrho = {rho}\n'


def scenario(name: str, set_: str) -> str:
    return f'[[scenarios]]\nname = "{name}"\nset = {set_}\n'


@dataclass(frozen=True)
class Case:
    id: str
    edit: Callable[[str], str]
    #: substrings that must all appear in one error line; the first is the key path
    expect: tuple[str, ...]

    def text(self) -> str:
        return self.edit(BASE)

    def __repr__(self) -> str:  # keeps pytest ids short
        return self.id


CASES = [
    # --- structure and required keys
    Case("missing-programme-section", drop_programme, ("programme", "required")),
    Case("missing-horizon", drop("horizon_months = 60\n"), ("programme.horizon_months", "required")),
    Case("missing-savings-fraction", drop("savings_fraction = 0.1\n"), ('services["Licensing"].savings_fraction', "required")),
    Case("missing-recruitment-months", drop("recruitment_months = 3\n"), ('councils["South Bucks"].recruitment_months', "required")),
    # --- wrong types
    Case("string-for-number", sub("turnover_annual = 0.12", 'turnover_annual = "0.12"'), ('councils["South Bucks"].turnover_annual',)),
    Case("number-for-bool", sub("frontline = true", "frontline = 1"), ('services["Planning"].frontline',)),
    Case("string-for-bool", sub("frontline = true", 'frontline = "yes"'), ('services["Planning"].frontline',)),
    Case("list-for-table", sub('posts = {Chiltern = 6, "South Bucks" = 5}', "posts = [6, 5]"), ('services["Licensing"].posts',)),
    Case("list-for-section", chain(drop("[programme.joint_management]\nsaving_per_year = 660000\nramp_months = 6\n"),
                                   sub("review_teams = 2", "review_teams = 2\njoint_management = [660000, 6]")),
         ("programme.joint_management",)),
    Case("table-for-name", sub('name = "Licensing"', 'name = {x = 1}'), ("services[1].name",)),
    # --- numbers out of range
    Case("negative-posts", sub('posts = {Chiltern = 6, "South Bucks" = 5}', 'posts = {Chiltern = -3, "South Bucks" = 5}'),
         ('services["Licensing"].posts.Chiltern', "-3")),
    Case("negative-rate", sub("turnover_annual = 0.12", "turnover_annual = -0.1"), ('councils["South Bucks"].turnover_annual',)),
    Case("nan", sub("turnover_annual = 0.12", "turnover_annual = nan"), ('councils["South Bucks"].turnover_annual',)),
    Case("inf", sub("saving_per_year = 660000", "saving_per_year = inf"), ("programme.joint_management.saving_per_year",)),
    Case("nan-in-distribution", sub("mean = 2.5, sd = 1.5", "mean = nan, sd = 1.5"), ('councils["Chiltern"].recruitment_months',)),
    Case("probability-above-1", sub("recruitment_failure = 0.15", "recruitment_failure = 1.5"), ('councils["Chiltern"].recruitment_failure',)),
    Case("fraction-above-1", sub("savings_fraction = 0.1", "savings_fraction = 1.1"), ('services["Licensing"].savings_fraction',)),
    Case("specialists-exceed-posts", sub('specialists = {Chiltern = 2, "South Bucks" = 1}',
                                         'specialists = {Chiltern = 31, "South Bucks" = 1}'),
         ('services["Planning"].specialists.Chiltern',)),
    Case("fractional-posts", sub('posts = {Chiltern = 6, "South Bucks" = 5}', 'posts = {Chiltern = 2.5, "South Bucks" = 5}'),
         ('services["Licensing"].posts.Chiltern', "2.5")),
    Case("review-teams-zero", sub("review_teams = 2", "review_teams = 0"), ("programme.review_teams",)),
    Case("horizon-zero", sub("horizon_months = 60", "horizon_months = 0"), ("programme.horizon_months",)),
    Case("discount-rate-1", sub('name = "Test programme"', 'name = "Test programme"\ndiscount_rate = 1'),
         ("programme.discount_rate",)),
    Case("target-after-horizon", sub("horizon_months = 60", "horizon_months = 60\ntarget_month = 72"), ("programme.target_month",)),
    # --- distributions
    Case("uniform-min-above-max", sub("review_months = 4", 'review_months = {dist = "uniform", min = 6, max = 4}'),
         ('services["Licensing"].review_months', "min")),
    Case("triangular-mode-above-max", sub('{dist = "triangular", min = 3, mode = 4, max = 8}',
                                          '{dist = "triangular", min = 3, mode = 9, max = 8}'),
         ('services["Licensing"].implementation_months', "mode")),
    Case("pert-mode-below-min", sub("min = 0.09, mode = 0.13, max = 0.18", "min = 0.09, mode = 0.05, max = 0.18"),
         ('councils["Chiltern"].turnover_annual', "mode")),
    Case("unknown-family", sub('{dist = "pert", min = 4, mode = 6, max = 12}', '{dist = "weibull", shape = 2, scale = 6}'),
         ('services["Planning"].review_months', "weibull")),
    Case("unknown-distribution-key", sub("mean = 2.5, sd = 1.5", "mean = 2.5, sd = 1.5, shape = 2"),
         ('councils["Chiltern"].recruitment_months', "shape")),
    Case("missing-distribution-parameter", sub('{dist = "pert", min = 4, mode = 6, max = 12}', '{dist = "pert", min = 4, max = 12}'),
         ('services["Planning"].review_months', "mode")),
    Case("missing-dist-key", sub('{dist = "pert", min = 4, mode = 6, max = 12}', "{min = 4, mode = 6, max = 12}"),
         ('services["Planning"].review_months', "dist")),
    Case("sd-zero", sub("mean = 2.5, sd = 1.5", "mean = 2.5, sd = 0"), ('councils["Chiltern"].recruitment_months', "sd")),
    Case("normal-sd-negative", sub("savings_fraction = 0.1", 'savings_fraction = {dist = "normal", mean = 0.1, sd = -0.02, min = 0, max = 1}'),
         ('services["Licensing"].savings_fraction', "sd")),
    Case("beta-sd-too-large", sub("recruitment_failure = 0.15", 'recruitment_failure = {dist = "beta", mean = 0.15, sd = 0.4}'),
         ('councils["Chiltern"].recruitment_failure', "sd")),
    Case("normal-untruncated-probability", sub("recruitment_failure = 0.15",
                                               'recruitment_failure = {dist = "normal", mean = 0.15, sd = 0.05}'),
         ('councils["Chiltern"].recruitment_failure',)),
    Case("discrete-noninteger-review-teams", sub("review_teams = 2", 'review_teams = {dist = "discrete", values = [1, 2.5], weights = [1, 1]}'),
         ("programme.review_teams",)),
    Case("discrete-negative-weight", sub("review_teams = 2", 'review_teams = {dist = "discrete", values = [1, 2], weights = [1, -1]}'),
         ("programme.review_teams", "weights")),
    Case("nested-dist-in-replication-parameter", sub("turnover_annual = 0.12",
                                                     'turnover_annual = {dist = "uniform", min = {dist = "uniform", min = 0, max = 0.1}, max = 0.2}'),
         ('councils["South Bucks"].turnover_annual',)),
    # --- names and cross references
    Case("unknown-council-in-posts", sub('posts = {Chiltern = 6, "South Bucks" = 5}', 'posts = {Chiltern = 6, "South Bucks" = 5, Wycombe = 4}'),
         ('services["Licensing"].posts.Wycombe', "Wycombe")),
    Case("unknown-council-in-budget", sub('budget = {Chiltern = 2100000, "South Bucks" = 2000000}',
                                          'budget = {Chiltern = 2100000, "South Bucks" = 2000000, Wycombe = 1}'),
         ('services["Planning"].budget.Wycombe',)),
    Case("posts-without-budget", sub('budget = {Chiltern = 300000, "South Bucks" = 250000}', "budget = {Chiltern = 300000}"),
         ('services["Licensing"].budget.South Bucks',)),
    Case("duplicate-council", sub('name = "South Bucks"', 'name = "Chiltern"'), ("councils[1].name", "duplicate")),
    Case("duplicate-service", sub('name = "Licensing"', 'name = "Planning"'), ("services[1].name", "duplicate")),
    Case("unknown-top-level-key", prepend("version = 2"), ("version", "unknown key")),
    Case("unknown-council-key", sub("turnover_annual = 0.12", "turnover_anual = 0.12"), ('councils["South Bucks"].turnover_anual', "unknown key")),
    Case("unknown-programme-key", sub("review_teams = 2", "review_teams = 2\nreview_team = 3"), ("programme.review_team", "unknown key")),
    Case("unknown-service-in-order", sub("review_teams = 2", 'review_teams = 2\norder = ["Licensing", "Payroll"]'),
         ("programme.order[1]", "Payroll")),
    Case("duplicate-service-in-order", sub("review_teams = 2", 'review_teams = 2\norder = ["Licensing", "Licensing"]'),
         ("programme.order[1]", "Licensing")),
    # --- dates
    Case("bad-date-string", sub("start = 2012-10-01", 'start = "2012-13-01"'), ("programme.start", "date")),
    Case("date-as-number", sub("start = 2012-10-01", "start = 2012"), ("programme.start", "date")),
    Case("date-as-zero", sub("start = 2012-10-01", "start = 0"), ("programme.start", "date")),
    Case("datetime-not-date", sub("start = 2012-10-01", "start = 2012-10-01T09:30:00"), ("programme.start", "date")),
    # --- correlations
    Case("rho-above-1", append(correlation(TURNOVER_C, SAVINGS_P, 1.5)), ("correlations[0].rho",)),
    Case("correlation-unknown-path", append(correlation(TURNOVER_C, "councils.Chiltern.turnover_anual", 0.5)),
         ("correlations[0].between[1]", "turnover_anual")),
    Case("correlation-plain-number", append(correlation(TURNOVER_C, "councils.South Bucks.turnover_annual", 0.5)),
         ("correlations[0].between[1]", "South Bucks")),
    Case("correlation-with-itself", append(correlation(TURNOVER_C, TURNOVER_C, 0.5)), ("correlations[0].between",)),
    Case("correlation-one-path", append('[[correlations]]\nbetween = ["councils.Chiltern.turnover_annual"]\nrho = 0.5\n'),
         ("correlations[0].between",)),
    Case("correlations-not-positive-definite",
         append(correlation(TURNOVER_C, SAVINGS_P, 0.9) + correlation(TURNOVER_C, REVIEW_P, 0.9) + correlation(SAVINGS_P, REVIEW_P, -0.9)),
         ("correlations", "positive definite")),
    # --- scenarios
    Case("scenario-unknown-path", append(scenario("typo", '{"programme.review_tems" = 3}')),
         ('scenarios["typo"]', "programme.review_tems")),
    Case("scenario-bad-value", append(scenario("no teams", '{"programme.review_teams" = 0}')),
         ('scenarios["no teams"]', "programme.review_teams")),
    Case("scenario-unknown-service", append(scenario("nope", '{"services.Payroll.savings_fraction" = 0.2}')),
         ('scenarios["nope"]', "services.Payroll.savings_fraction")),
    Case("scenario-named-base", append(scenario("base", '{"programme.review_teams" = 3}')), ('scenarios["base"].name', "base")),
    # --- not TOML at all
    Case("toml-syntax-error", sub("horizon_months = 60", "horizon_months = = 60"), ("TOML", "line 4")),
]

assert len(CASES) >= 30
assert len({c.id for c in CASES}) == len(CASES), "duplicate case ids"
BY_ID = {c.id: c for c in CASES}


@pytest.fixture(scope="module")
def cli_results(request, tmp_path_factory, simshare_cli) -> dict[str, subprocess.CompletedProcess]:
    """Run ``simshare validate`` once per selected case, several subprocesses at a time."""
    wanted = [
        item.callspec.params["case"].id
        for item in request.session.items
        if getattr(item, "callspec", None) is not None and isinstance(item.callspec.params.get("case"), Case)
    ] or list(BY_ID)
    folder = tmp_path_factory.mktemp("cli_cases")
    paths = {}
    for cid in dict.fromkeys(wanted):
        path = folder / f"{cid}.toml"
        path.write_text(BY_ID[cid].text(), encoding="utf-8")
        paths[cid] = path
    with ThreadPoolExecutor(max_workers=max(2, (os.cpu_count() or 2))) as pool:
        futures = {cid: pool.submit(simshare_cli, "validate", p) for cid, p in paths.items()}
        return {cid: f.result() for cid, f in futures.items()}


def _matching_line(lines: list[str], expect: tuple[str, ...]) -> str | None:
    for line in lines:
        if all(part in line for part in expect):
            return line
    return None


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_cli_refuses_and_names_the_key(case: Case, cli_results):
    proc = cli_results[case.id]
    report = f"exit {proc.returncode}\n--- stdout\n{proc.stdout}--- stderr\n{proc.stderr}"
    assert "Traceback" not in proc.stdout + proc.stderr, report
    assert proc.returncode == 2, report
    assert _matching_line(proc.stderr.splitlines(), case.expect) is not None, (
        f"no stderr line contains all of {case.expect}\n{report}"
    )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_load_config_raises_config_error_naming_the_key(case: Case, tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text(case.text(), encoding="utf-8")
    with pytest.raises(simshare.ConfigError) as info:
        simshare.load_config(path)
    errors = info.value.errors
    assert errors and all(isinstance(e, str) for e in errors)
    assert _matching_line(errors, case.expect) is not None, f"no error line contains all of {case.expect}: {errors}"
    # the first element of ``expect`` is the key path: it leads its line (``path: message``)
    if case.id != "toml-syntax-error":
        key = case.expect[0]
        assert any(re.match(rf"{re.escape(key)}[:.\[ ]", e) for e in errors), errors


# --------------------------------------------------------------------------- the rest of the contract


def test_base_config_is_valid(tmp_path: Path, simshare_cli):
    path = tmp_path / "base.toml"
    path.write_text(BASE, encoding="utf-8")
    cfg = simshare.load_config(path)
    assert cfg.council_names == ["Chiltern", "South Bucks"]
    assert cfg.service_names == ["Planning", "Licensing"]
    proc = simshare_cli("validate", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "ok" in proc.stdout
    assert proc.stderr == ""


def test_base_config_with_every_optional_section_is_valid(tmp_path: Path):
    """The correlation and scenario tables used by the error cases are fine when correct."""
    text = BASE + "\n" + correlation(TURNOVER_C, SAVINGS_P, 0.6) + "\n" + scenario("three teams", '{"programme.review_teams" = 3}')
    cfg = simshare.load_config(_write(tmp_path, text))
    assert scenario_config(cfg, "three teams").programme.review_teams == 3


MULTI_SCHEMA = chain(
    drop("horizon_months = 60\n"),
    sub('posts = {Chiltern = 6, "South Bucks" = 5}', 'posts = {Chiltern = -3, "South Bucks" = 5}'),
    sub("turnover_annual = 0.12", "turnover_annual = nan"),
    sub("mean = 2.5, sd = 1.5", "mean = 2.5, sd = 0"),
    prepend("version = 2"),
)
MULTI_SCHEMA_KEYS = [
    "programme.horizon_months", 'services["Licensing"].posts.Chiltern', 'councils["South Bucks"].turnover_annual',
    'councils["Chiltern"].recruitment_months', "version",
]

MULTI_CROSS = chain(
    sub('name = "Licensing"', 'name = "Planning"'),
    sub('posts = {Chiltern = 30, "South Bucks" = 28}', 'posts = {Chiltern = 30, "South Bucks" = 28, Wycombe = 1}'),
    sub('specialists = {Chiltern = 2, "South Bucks" = 1}', 'specialists = {Chiltern = 2, "South Bucks" = 40}'),
    sub("review_teams = 2", 'review_teams = 2\norder = ["Planning", "Payroll"]'),
)
MULTI_CROSS_KEYS = ["services[1].name", "services[0].posts.Wycombe", "services[0].specialists.South Bucks", "programme.order[1]"]

MULTI_MIXED = chain(
    sub("turnover_annual = 0.12", "turnover_annual = -1"),
    sub('posts = {Chiltern = 6, "South Bucks" = 5}', 'posts = {Chiltern = 6, "South Bucks" = 5, Wycombe = 4}'),
)
MULTI_MIXED_KEYS = ['councils["South Bucks"].turnover_annual', 'services["Licensing"].posts.Wycombe']


def _write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "edit, keys",
    [(MULTI_SCHEMA, MULTI_SCHEMA_KEYS), (MULTI_CROSS, MULTI_CROSS_KEYS), (MULTI_MIXED, MULTI_MIXED_KEYS)],
    ids=["schema-errors", "cross-reference-errors", "schema-and-cross-reference-errors"],
)
def test_several_errors_are_reported_at_once(tmp_path: Path, edit, keys, simshare_cli):
    path = _write(tmp_path, edit(BASE))
    with pytest.raises(simshare.ConfigError) as info:
        simshare.load_config(path)
    missing = [k for k in keys if not any(k in e for e in info.value.errors)]
    assert not missing, f"not reported: {missing}; errors: {info.value.errors}"
    proc = simshare_cli("validate", str(path))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    missing = [k for k in keys if k not in proc.stderr]
    assert not missing, f"not on stderr: {missing}\n{proc.stderr}"


def test_missing_file(tmp_path: Path, simshare_cli):
    path = tmp_path / "no_such_config.toml"
    proc = simshare_cli("validate", str(path))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "no_such_config.toml" in proc.stderr
    assert re.search(r"no such file|not found|does not exist", proc.stderr, re.I), proc.stderr
    with pytest.raises(simshare.ConfigError) as info:
        simshare.load_config(path)
    assert any("no_such_config.toml" in e for e in info.value.errors)


def test_folder_instead_of_file(tmp_path: Path, simshare_cli):
    proc = simshare_cli("validate", str(tmp_path))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert str(tmp_path) in proc.stderr


def test_one_bad_file_among_good_ones(tmp_path: Path, simshare_cli):
    good = _write(tmp_path, BASE, "good.toml")
    bad = _write(tmp_path, BY_ID["negative-posts"].text(), "bad.toml")
    proc = simshare_cli("validate", str(good), str(bad))
    assert proc.returncode == 2
    assert "good.toml: ok" in proc.stdout
    assert "bad.toml" in proc.stderr and 'services["Licensing"].posts.Chiltern' in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_load_config_from_dict_reports_the_same_path():
    import tomllib

    raw = tomllib.loads(BY_ID["negative-posts"].text())
    with pytest.raises(simshare.ConfigError) as info:
        simshare.load_config(raw)
    assert any(e.startswith('services["Licensing"].posts.Chiltern:') for e in info.value.errors), info.value.errors


# --------------------------------------------------------------------------- messages a user can act on


NAMED = [  # (edit, the line's start): list entries are named by their names, whatever the kind of error
    (sub("turnover_annual = 0.12", "turnover_annual = -0.1"), 'councils["South Bucks"].turnover_annual:'),
    (sub("recruitment_failure = 0.15", "recruitment_failure = 1.5"), 'councils["Chiltern"].recruitment_failure:'),
    (sub("frontline = true", "frontline = 1"), 'services["Planning"].frontline:'),
    (sub('posts = {Chiltern = 6, "South Bucks" = 5}', 'posts = {Chiltern = -3, "South Bucks" = 5}'),
     'services["Licensing"].posts.Chiltern:'),
    (sub('posts = {Chiltern = 6, "South Bucks" = 5}', 'posts = {Chiltern = 6, "South Bucks" = 5, Wycombe = 1}'),
     'services["Licensing"].posts.Wycombe:'),
    (sub('name = "Licensing"', 'name = "Lic \\"A\\""'), None),  # a quote in a name: still valid
    (append(scenario("three", '{"programme.review_teams" = 0}')), 'scenarios["three"]: programme.review_teams'),
    (sub('name = "Licensing"', 'name = "Planning"'), "services[1].name: duplicate"),  # a shared name: by position
]


@pytest.mark.parametrize("edit, start", NAMED)
def test_list_entries_are_named_by_their_names(edit, start, tmp_path):
    path = _write(tmp_path, edit(BASE))
    if start is None:
        simshare.load_config(path)
        return
    with pytest.raises(simshare.ConfigError) as info:
        simshare.load_config(path)
    assert any(e.startswith(start) for e in info.value.errors), info.value.errors
    assert not any(re.search(r"(councils|services|scenarios)\[\d+\]", e) for e in info.value.errors
                   if "duplicate" not in start), info.value.errors


@pytest.mark.parametrize("edit, shown", [
    (sub('name = "Test programme"', "name = 2030-04-01"), "2030-04"),
    (sub("review_teams = 2", "review_teams = 2030-04-15"), "2030-04-15"),
    (sub("frontline = true", "frontline = 2030-04-01T10:30:00"), "2030-04-01 10:30:00"),
    (sub("review_teams = 2", "review_teams = 2\norder = [2030-04-01]"), "2030-04"),
])
def test_dates_in_messages_read_as_dates(edit, shown, tmp_path):
    with pytest.raises(simshare.ConfigError) as info:
        simshare.load_config(_write(tmp_path, edit(BASE)))
    text = "\n".join(info.value.errors)
    assert shown in text and "datetime" not in text, text


@pytest.mark.parametrize("edit, fragment", [
    (append(correlation("councils.Nowhere.turnover_annual", TURNOVER_C, 0.5)), "councils.Nowhere.turnover_annual"),
    (sub("turnover_annual = 0.12", "turnover_annual = -0.1"), 'councils["South Bucks"].turnover_annual'),
    (sub("review_teams = 2", 'review_teams = 2\norder = ["Planning", "Payroll"]'), "Payroll"),
])
def test_each_error_is_reported_once_however_many_scenarios(edit, fragment, tmp_path):
    text = edit(BASE) + "\n" + scenario("a", '{"programme.review_teams" = 3}') + scenario("b", '{"programme.review_teams" = 1}')
    with pytest.raises(simshare.ConfigError) as info:
        simshare.load_config(_write(tmp_path, text))
    assert sum(fragment in e for e in info.value.errors) == 1, info.value.errors


SETS = [  # (--set, what the message says after it)
    ("programme.review_teams=0", "whole number"),
    ("services.Planning.posts.Chiltern=-3", "-3"),
    ("services.*.savings_fraction=2", "savings_fraction"),
    ("councils.South Bucks.turnover_annual=nan", "turnover_annual"),
    ("programme.review_tems=1", "unknown key"),
    ("councils.Nowhere.turnover_annual=0.1", "Nowhere"),
    ('programme.order=["Licensing", "Payroll"]', "Payroll"),
    ("programme.start=2030-04-15", None),  # valid: no error
]


@pytest.mark.parametrize("assignment, said", SETS)
@pytest.mark.parametrize("command", ["run", "compare"])
def test_a_bad_set_is_blamed_on_the_set_not_the_config(assignment, said, command, tmp_path, capsys):
    path = _write(tmp_path, BASE + "\n" + scenario("three", '{"programme.review_teams" = 3}'))
    code = main([command, str(path), "--set", assignment, "-n", "2", "-o", str(tmp_path / "out"), "-q"])
    err = capsys.readouterr().err
    if said is None:
        assert code == 0, err
        return
    assert code == 2, err
    assert "Traceback" not in err and "invalid config" not in err and str(path) not in err, err
    first = err.splitlines()[0]
    assert first.startswith(f"simshare {command}: --set {assignment.split('=')[0]}="), err
    assert said in err and "--set" not in "".join(err.splitlines()[1:]), err  # the --set said once
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("assignment, said", [s for s in SETS if s[1] is not None])
def test_load_config_blames_the_override(assignment, said, tmp_path):
    path, _, text = assignment.partition("=")
    value = simshare.config.parse_value(text)
    with pytest.raises(simshare.config.OverrideError) as info:
        simshare.load_config(_write(tmp_path, BASE), {path: value})
    (paths, message), = info.value.blamed[:1]
    assert paths == [path] and said in info.value.errors[0], info.value.errors


def test_a_bad_config_with_a_set_is_still_blamed_on_the_config(tmp_path, capsys):
    path = _write(tmp_path, BY_ID["negative-posts"].text())
    assert main(["run", str(path), "--set", "programme.review_teams=3", "-n", "2", "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and 'services["Licensing"].posts.Chiltern' in err and "--set" not in err, err


def test_a_byte_order_mark_is_accepted(tmp_path, capsys):
    """Notepad and Excel save "UTF-8" with a byte-order mark: the config reads as without it."""
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + toml_text(small_config()).encode("utf-8"))
    assert main(["validate", str(path)]) == 0


@pytest.mark.parametrize("text, shown", [
    ('[programme]\nname = "x"\nname = "y"\n', 'name = "y"'),          # a key written twice
    ('[programme]\nname = "x\n', 'name = "x'),                           # an unclosed string
])
def test_toml_syntax_errors_show_the_line(tmp_path, capsys, text, shown):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err + capsys.readouterr().out
    assert "TOML syntax error" in err and shown in err
