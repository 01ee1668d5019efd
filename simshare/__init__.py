"""simshare: Monte Carlo risk simulation of council shared-service programmes."""

__version__ = "0.1.0"

from .config import Config, ConfigError, load_config  # noqa: E402


def simulate(*args, **kwargs):
    """Run many replications as an xarray Dataset; see :func:`simshare.engine.simulate.simulate`."""
    from .engine.simulate import simulate as _simulate

    return _simulate(*args, **kwargs)


def summarise(ds, **kwargs):
    """The board table of a results dataset; see :func:`simshare.analysis.summary.summarise`."""
    from .analysis.summary import summarise as _summarise

    return _summarise(ds, **kwargs)


def compare(*args, **kwargs):
    """The base against its scenarios under common random numbers; see :func:`simshare.analysis.compare.compare`."""
    from .analysis.compare import compare as _compare

    return _compare(*args, **kwargs)


def sweep(*args, **kwargs):
    """A full-factorial parameter sweep; see :func:`simshare.analysis.sweep.sweep`."""
    from .analysis.sweep import sweep as _sweep

    return _sweep(*args, **kwargs)


def sensitivity(*args, method: str = "tornado", **kwargs):
    """Which uncertainties drive an output (``method``: tornado, morris or sobol);
    see :mod:`simshare.analysis.sensitivity`."""
    from .analysis import sensitivity as _sensitivity

    if method not in ("tornado", "morris", "sobol"):
        raise ValueError(f"method must be tornado, morris or sobol, got {method!r}")
    return getattr(_sensitivity, method)(*args, **kwargs)


__all__ = ["Config", "ConfigError", "load_config", "simulate", "summarise", "compare", "sweep", "sensitivity",
           "__version__"]
