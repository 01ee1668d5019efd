"""Dotted-path overrides (docs/model.md): ``--set``, scenarios, sweeps and sensitivity all use them."""

from __future__ import annotations

import copy

import pytest

import simshare
from simshare import ConfigError
from simshare.config import apply_overrides, load_config, parse_assignment
from simshare.distributions import Dist

from conftest import MINIMAL, TWO_SERVICES, small_config, toml_text

#: The shared variant with uncertain inputs, with a lognormal Planning review (whose parameters the
#: tests set) and no specialists (so that any number of Planning posts is valid).
BASE = small_config(**TWO_SERVICES, overrides={
    "services.Planning.review_months": {"dist": "lognormal", "mean": 6, "sd": 2},
    "services.Planning.specialists": {},
})


@pytest.fixture()
def cfg():
    return simshare.load_config(BASE)


def _errors(excinfo) -> str:
    return "\n".join(excinfo.value.errors)


# --------------------------------------------------------------------------- paths that work


def test_programme_key(cfg):
    new = load_config(cfg, {"programme.review_teams": 3})
    assert new.programme.review_teams == 3
    assert isinstance(new.programme.review_teams, int)


def test_joint_management_key(cfg):
    new = load_config(cfg, {"programme.joint_management.saving_per_year": 500_000})
    assert new.programme.joint_management.saving_per_year == 500_000
    assert new.programme.joint_management.ramp_months == 6  # the rest of the table is kept


def test_council_key(cfg):
    new = load_config(cfg, {"councils.Chiltern.turnover_annual": 0.2})
    assert new.council("Chiltern").turnover_annual == 0.2
    assert new.council("South Bucks").turnover_annual == 0.12


def test_council_name_with_a_space(cfg):
    new = load_config(cfg, {"councils.South Bucks.turnover_annual": 0.25})
    assert new.council("South Bucks").turnover_annual == 0.25
    assert isinstance(new.council("Chiltern").turnover_annual, Dist)


def test_council_key_replaced_by_a_distribution(cfg):
    new = load_config(cfg, {"councils.South Bucks.turnover_annual": {"dist": "uniform", "min": 0.1, "max": 0.2}})
    d = new.council("South Bucks").turnover_annual
    assert isinstance(d, Dist) and d.family == "uniform"
    assert (d.get("min"), d.get("max")) == (0.1, 0.2)


def test_service_duration_replaced_by_a_table(cfg):
    new = load_config(cfg, {"services.Licensing.review_months": {"dist": "pert", "min": 2, "mode": 3, "max": 6}})
    d = new.service("Licensing").review_months
    assert isinstance(d, Dist) and d.family == "pert"
    assert (d.get("min"), d.get("mode"), d.get("max")) == (2, 3, 6)


def test_parameter_of_a_distribution_table(cfg):
    new = load_config(cfg, {"services.Planning.review_months.mean": 9})
    d = new.service("Planning").review_months
    assert d.family == "lognormal"
    assert d.get("mean") == 9
    assert d.get("sd") == 2  # the other parameter is kept
    assert cfg.service("Planning").review_months.get("mean") == 6


def test_parameter_of_a_distribution_replaced_by_a_distribution(cfg):
    """An occurrence distribution's parameter may itself be uncertain (docs/model.md)."""
    new = load_config(cfg, {"services.Planning.review_months.mean": {"dist": "uniform", "min": 5, "max": 7}})
    mean = new.service("Planning").review_months.get("mean")
    assert isinstance(mean, Dist) and mean.family == "uniform"


def test_posts_of_a_council(cfg):
    new = load_config(cfg, {"services.Planning.posts.Chiltern": 25})
    assert new.service("Planning").posts == {"Chiltern": 25, "South Bucks": 28}


def test_posts_of_a_council_with_a_space(cfg):
    new = load_config(cfg, {"services.Licensing.posts.South Bucks": 7})
    assert new.service("Licensing").posts == {"Chiltern": 6, "South Bucks": 7}


def test_budget_of_a_council(cfg):
    new = load_config(cfg, {"services.Licensing.budget.Chiltern": 320_000})
    assert new.service("Licensing").budget["Chiltern"] == 320_000


def test_every_service(cfg):
    new = load_config(cfg, {"services.*.savings_fraction": 0.2})
    assert [s.savings_fraction for s in new.services] == [0.2, 0.2]


def test_every_service_with_a_table(cfg):
    table = {"dist": "triangular", "min": 0.1, "mode": 0.15, "max": 0.3}
    new = load_config(cfg, {"services.*.savings_fraction": table})
    for s in new.services:
        assert s.savings_fraction.family == "triangular"
    assert table == {"dist": "triangular", "min": 0.1, "mode": 0.15, "max": 0.3}  # the value is not consumed


def test_several_overrides_at_once(cfg):
    new = load_config(cfg, {
        "programme.review_teams": 1,
        "councils.Chiltern.turnover_annual": 0.1,
        "services.Licensing.posts.Chiltern": 4,
    })
    assert new.programme.review_teams == 1
    assert new.council("Chiltern").turnover_annual == 0.1
    assert new.service("Licensing").posts["Chiltern"] == 4


def test_programme_order(cfg):
    new = load_config(cfg, {"programme.order": ["Licensing", "Planning"]})
    assert new.order == ["Licensing", "Planning"]


def test_load_config_with_overrides(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(toml_text(BASE), encoding="utf-8")
    new = simshare.load_config(path, overrides={"programme.review_teams": 4})
    assert new.programme.review_teams == 4


def test_overrides_chain(cfg):
    once = load_config(cfg, {"programme.review_teams": 3})
    twice = load_config(once, {"programme.support_capacity": 1})
    assert (twice.programme.review_teams, twice.programme.support_capacity) == (3, 1)


# --------------------------------------------------------------------------- overrides re-validate


@pytest.mark.parametrize(
    "path, value, names",
    [
        ("programme.review_teams", 0, ("programme.review_teams",)),
        ("programme.review_teams", 2.5, ("programme.review_teams",)),
        ("programme.joint_management.saving_per_year", -1, ("programme.joint_management.saving_per_year",)),
        ("programme.start", "2012-13-01", ("programme.start",)),
        # a service or council is named by position in messages from the schema; either form names the key
        ("services.Licensing.savings_fraction", 1.5, ("services.Licensing.savings_fraction", "services[1].savings_fraction")),
        ("services.Planning.posts.Chiltern", -3, ("services.Planning.posts.Chiltern", "services[0].posts.Chiltern")),
        ("councils.South Bucks.turnover_annual", float("nan"), ("councils.South Bucks.turnover_annual", "councils[1].turnover_annual")),
        ("services.Planning.review_months.sd", 0, ("services.Planning.review_months", "services[0].review_months")),
        ("services.*.savings_fraction", 2, ("services.*.savings_fraction", "services[0].savings_fraction")),
        ("services.Licensing.review_months", {"dist": "uniform", "min": 5, "max": 2},
         ("services.Licensing.review_months", "services[1].review_months")),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_value_is_refused_naming_the_key(cfg, path, value, names):
    with pytest.raises(ConfigError) as info:
        load_config(cfg, {path: value})
    text = _errors(info)
    assert any(n in text for n in names), text


def test_cross_checks_run_again(cfg):
    with pytest.raises(ConfigError) as info:
        load_config(cfg, {"services.Planning.posts.Wycombe": 3})
    assert "Wycombe" in _errors(info)
    with pytest.raises(ConfigError) as info:
        load_config(cfg, {"programme.order": ["Licensing", "Payroll"]})
    assert "programme.order[1]" in _errors(info)


# --------------------------------------------------------------------------- unknown paths


@pytest.mark.parametrize(
    "path",
    [
        "programme.review_tems",
        "programme.joint_management.saving_per_yr",
        "councils.Wycombe.turnover_annual",
        "councils.Chiltern.turnover_anual",
        "services.Payroll.savings_fraction",
        "services.Planning.nonsense",
        "services.*.nonsense",
        "services.Planning",
        "programme",
        "budget.Chiltern",
        "raw",
        "programme.raw",
        "services.Licensing.review_months.mean",      # a plain number has no parameters
        "councils.South Bucks.turnover_annual.mode",  # likewise
    ],
)
def test_unknown_path_is_refused_naming_it(cfg, path):
    with pytest.raises(ConfigError) as info:
        load_config(cfg, {path: 1})
    assert path in _errors(info), _errors(info)


def test_unknown_parameter_of_a_distribution_is_refused(cfg):
    """``mode`` is not a lognormal parameter: refused (by the re-validation), naming the key."""
    with pytest.raises(ConfigError) as info:
        load_config(cfg, {"services.Planning.review_months.mode": 5})
    text = _errors(info)
    assert "mode" in text
    assert "services.Planning.review_months" in text or "services[0].review_months" in text, text


def test_apply_overrides_on_raw_tables():
    raw = copy.deepcopy(BASE)
    before = copy.deepcopy(raw)
    out = apply_overrides(raw, {"services.Planning.review_months.mean": 8, "councils.South Bucks.recruitment_months": 4})
    assert raw == before
    assert out["services"][0]["review_months"]["mean"] == 8
    assert out["councils"][1]["recruitment_months"] == 4


# --------------------------------------------------------------------------- parse_assignment


@pytest.mark.parametrize(
    "text, expected",
    [
        ("programme.review_teams=3", ("programme.review_teams", 3)),
        ("programme.review_teams = 3", ("programme.review_teams", 3)),
        ("councils.Chiltern.turnover_annual=0.15", ("councils.Chiltern.turnover_annual", 0.15)),
        ("councils.South Bucks.turnover_annual=0.15", ("councils.South Bucks.turnover_annual", 0.15)),
        ("programme.joint_management.saving_per_year=600_000", ("programme.joint_management.saving_per_year", 600_000)),
        ('services.Planning.review_months={dist="pert",min=1,mode=2,max=3}',
         ("services.Planning.review_months", {"dist": "pert", "min": 1, "mode": 2, "max": 3})),
        ('services.Planning.review_months={ dist = "lognormal", mean = 4, sd = 1 }',
         ("services.Planning.review_months", {"dist": "lognormal", "mean": 4, "sd": 1})),
        ('programme.order=["Licensing", "Planning"]', ("programme.order", ["Licensing", "Planning"])),
        ("programme.frontline=true", ("programme.frontline", True)),
        ('programme.name="A = B"', ("programme.name", "A = B")),
        ("programme.name=New name", ("programme.name", "New name")),
        ("programme.start=2013-04-01", ("programme.start", __import__("datetime").date(2013, 4, 1))),
    ],
)
def test_parse_assignment(text, expected):
    assert parse_assignment(text) == expected


@pytest.mark.parametrize("text", ["programme.review_teams", "=3", "  =3"])
def test_parse_assignment_refuses_malformed_text(text):
    with pytest.raises(ConfigError) as info:
        parse_assignment(text)
    assert text.strip() in _errors(info) or repr(text) in _errors(info)


def test_parsed_assignments_apply(cfg):
    new = load_config(cfg, dict(parse_assignment(t) for t in [
        "programme.review_teams=3",
        'services.Licensing.review_months={dist="pert",min=1,mode=2,max=3}',
        'programme.order=["Licensing"]',
    ]))
    assert new.programme.review_teams == 3
    assert new.service("Licensing").review_months.family == "pert"
    assert new.order == ["Licensing"]


# --------------------------------------------------------------------------- the original is untouched


def test_original_is_unchanged(cfg):
    raw_before = copy.deepcopy(cfg.raw)
    dump_before = cfg.model_dump()
    load_config(cfg, {
        "programme.review_teams": 3,
        "programme.joint_management.saving_per_year": 1,
        "councils.South Bucks.turnover_annual": 0.3,
        "services.Planning.review_months.mean": 9,
        "services.Planning.posts.Chiltern": 1,
        "services.*.savings_fraction": 0.05,
    })
    assert cfg.raw == raw_before
    assert cfg.model_dump() == dump_before
    assert cfg.programme.review_teams == 2
    assert cfg.service("Planning").review_months.get("mean") == 6
    assert cfg.service("Planning").posts["Chiltern"] == 30


def test_original_is_unchanged_after_a_refused_override(cfg):
    raw_before = copy.deepcopy(cfg.raw)
    with pytest.raises(ConfigError):
        load_config(cfg, {"services.Planning.review_months.mean": -1})
    with pytest.raises(ConfigError):
        load_config(cfg, {"services.Planning.posts.Chiltern": -1})
    assert cfg.raw == raw_before


def test_new_config_shares_no_mutable_state(cfg):
    new = load_config(cfg, {"programme.review_teams": 3})
    new.raw["programme"]["review_teams"] = 99
    new.service("Planning").posts["Chiltern"] = 99  # a plain dict inside a frozen model
    assert cfg.raw["programme"]["review_teams"] == 2
    assert cfg.service("Planning").posts["Chiltern"] == 30


def test_config_is_frozen(cfg):
    with pytest.raises((TypeError, ValueError, AttributeError)):
        cfg.programme.review_teams = 5
    with pytest.raises((TypeError, ValueError, AttributeError)):
        cfg.council("Chiltern").turnover_annual = 0.5
    assert cfg.programme.review_teams == 2


def test_load_config_does_not_modify_the_given_dict():
    raw = copy.deepcopy(BASE)
    before = copy.deepcopy(raw)
    simshare.load_config(raw, overrides={"programme.review_teams": 3, "services.Planning.review_months.mean": 7})
    assert raw == before


@pytest.mark.parametrize("value", [
    list(range(100_000)),                                   # long
    {f"k{i}": i for i in range(10_000)},                    # wide
    "x" * 100_000,                                          # a long text
])
def test_a_bad_override_of_any_size_gives_a_short_message(value):
    with pytest.raises(ConfigError) as info:
        load_config(MINIMAL, {"programme.review_teams": value})
    assert all(len(line) < 600 for line in str(info.value).splitlines())
