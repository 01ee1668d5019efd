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


__all__ = ["Config", "ConfigError", "load_config", "simulate", "summarise", "__version__"]
