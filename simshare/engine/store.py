"""The result store: chunks on disk as they finish, one netCDF file written atomically at the end.

Each finished chunk is saved as its own ``.npz`` file in ``results.nc.parts/`` (written to
a temporary name, then renamed, so a killed run never leaves a half-written part).
``--resume`` keeps the parts whose run description matches and runs only the missing
replications.  The final ``results.nc`` is streamed part by part into a temporary file
and renamed into place, so memory stays flat and no reader ever sees half a file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from ..model.outputs import DATASET_OUTPUTS, Output

#: dataset variables, from the model's table of outputs: dims after (scenario,) replication,
#: units, long name, dtype
VARIABLES: dict[str, Output] = {o.name: o for o in DATASET_OUTPUTS}


class StoreError(ValueError):
    """A result folder that cannot be used as asked (unwritable, or a resume that does not match)."""


@dataclass
class Layout:
    """Coordinates and attributes of a run: everything but the simulated numbers."""

    scenarios: list[str]
    councils: list[str]
    services: list[str]
    parameters: list[str]
    parameter_units: list[str]
    horizon: int
    start: dt.date
    attrs: dict


class PartStore:
    """Finished chunks of one run, as files in a folder beside the final result."""

    def __init__(self, folder: Path, description: dict):
        self.folder = Path(folder)
        self.description = description

    def open(self, resume: bool) -> None:
        meta = self.folder / "run.json"
        if resume and meta.exists():
            stored = json.loads(meta.read_text())
            if stored != self.description:
                changed = sorted(k for k in set(stored) | set(self.description) if stored.get(k) != self.description.get(k))
                raise StoreError(
                    f"cannot resume: {self.folder} holds a run with a different {', '.join(changed)}; "
                    "run without --resume to start again"
                )
            return
        if self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True)
        _atomic_write(meta, json.dumps(self.description, indent=1).encode())

    def done(self) -> dict[int, int]:
        """Chunks already stored: first replication -> count."""
        out = {}
        for path in self.folder.glob("part-*.npz"):
            start, count = (int(x) for x in path.stem.split("-")[1:3])
            out[start] = count
        return out

    def missing(self, total: int) -> list[int]:
        have = np.zeros(total, dtype=bool)
        for start, count in self.done().items():
            have[start:start + count] = True
        return [int(i) for i in np.flatnonzero(~have)]

    def write(self, start: int, arrays: dict[str, np.ndarray]) -> None:
        count = next(iter(arrays.values())).shape[1]
        path = self.folder / f"part-{start:09d}-{count:09d}.npz"
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def parts(self, total: int) -> Iterable[tuple[int, dict[str, np.ndarray]]]:
        """Stored chunks in replication order, each loaded only while it is being written out."""
        for start, count in sorted(self.done().items()):
            if start >= total:
                continue
            with np.load(self.folder / f"part-{start:09d}-{count:09d}.npz") as data:
                yield start, {k: data[k] for k in data.files}

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def month_starts(start: dt.date, months: int) -> np.ndarray:
    """Calendar month starts for months 0..months after ``start`` (days since 1970-01-01)."""
    first = np.datetime64(start.replace(day=1), "M")
    return (first + np.arange(months + 1)).astype("datetime64[D]")


def write_netcdf(path: Path, layout: Layout, parts: Iterable[tuple[int, dict[str, np.ndarray]]], total: int) -> None:
    """Stream the chunks into ``path`` (netCDF4), via a temporary file renamed into place."""
    import netCDF4

    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    scenario_dim = len(layout.scenarios) > 1
    lead = ("scenario", "replication") if scenario_dim else ("replication",)
    try:
        with netCDF4.Dataset(tmp, "w", format="NETCDF4") as nc:
            sizes = {"replication": total, "time": layout.horizon + 1, "council": len(layout.councils),
                     "service": len(layout.services), "parameter": len(layout.parameters)}
            if scenario_dim:
                sizes = {"scenario": len(layout.scenarios), **sizes}
            for name, size in sizes.items():
                nc.createDimension(name, size)
            nc.createVariable("replication", "i8", ("replication",))[:] = np.arange(total)
            nc.createVariable("time", "i4", ("time",))[:] = np.arange(layout.horizon + 1)
            nc["time"].units, nc["time"].long_name = "months", "months since the programme start"
            date = nc.createVariable("date", "i4", ("time",))
            date[:] = month_starts(layout.start, layout.horizon).astype(np.int64)
            date.units, date.calendar = "days since 1970-01-01", "proleptic_gregorian"
            date.long_name = "month start"
            for name, values in (("council", layout.councils), ("service", layout.services),
                                 ("parameter", layout.parameters)):
                nc.createVariable(name, str, (name,))[:] = np.array(values, dtype=object)
            nc.createVariable("parameter_units", str, ("parameter",))[:] = np.array(layout.parameter_units, dtype=object)
            if scenario_dim:
                nc.createVariable("scenario", str, ("scenario",))[:] = np.array(layout.scenarios, dtype=object)
            variables = {}
            for name, spec in VARIABLES.items():
                dims = spec.dims
                var = nc.createVariable(name, spec.dtype, lead + dims, zlib=True, complevel=1,
                                        shuffle=True, fill_value=False if spec.integer else np.nan)
                var.units, var.long_name = spec.units, spec.long_name
                if name == "inputs":
                    var.coordinates = "parameter_units"
                elif "time" in dims:
                    var.coordinates = "date"
                variables[name] = var
            nc.setncatts({k: v for k, v in layout.attrs.items() if v is not None})
            for start, arrays in parts:
                count = arrays["npv"].shape[1]
                for name, var in variables.items():
                    data = arrays[name]
                    if scenario_dim:
                        var[:, start:start + count] = data
                    else:
                        var[start:start + count] = data[0]
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
