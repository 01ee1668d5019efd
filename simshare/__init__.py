"""simshare: Monte Carlo risk simulation of council shared-service programmes.

The public API: :func:`load_config`, :func:`simulate`, :func:`summarise`, :func:`compare`,
:func:`sweep`, :func:`sensitivity`, :func:`optimise` and :func:`discover` (figures in :mod:`simshare.interface.plots`, the board
report in :mod:`simshare.interface.report`).
"""

from .analysis.compare import compare
from .analysis.discover import discover
from .analysis.optimise import optimise
from .analysis.run import simulate
from .analysis.sensitivity import sensitivity
from .analysis.summary import summarise
from .analysis.sweep import sweep
from .config import Config, ConfigError, load_config
from .version import __version__

__all__ = ["Config", "ConfigError", "load_config", "simulate", "summarise", "compare", "sweep", "sensitivity",
           "optimise", "discover", "__version__"]
