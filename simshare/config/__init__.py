"""Programme configuration: schema, loading, dotted-path overrides, replication parameters and the
realised values one replication runs on. The lowest layer of simshare but for distributions and seeds."""

from .errors import ConfigError, ConfigWarning, OverrideError
from .loading import BASE, STATUS_QUO, format_loc, load_config, scenario_config, status_quo
from .overrides import apply_overrides, parse_assignment, parse_value, plain
from .parameters import ParameterSpec, correlate, correlation_matrix, draw_values, parameter_paths, replication_parameters
from .schema import INTEGER_KEYS, OCCURRENCE_KEYS, Config, Council, JointManagement, Programme, Scenario, Service

__all__ = [
    "BASE", "STATUS_QUO", "Config", "ConfigError", "ConfigWarning", "OverrideError", "Council", "INTEGER_KEYS", "JointManagement", "OCCURRENCE_KEYS",
    "ParameterSpec", "Programme", "Scenario", "Service", "apply_overrides", "correlate", "correlation_matrix",
    "draw_values", "format_loc", "load_config", "parameter_paths", "parse_assignment", "parse_value", "plain",
    "replication_parameters", "scenario_config", "status_quo",
]
