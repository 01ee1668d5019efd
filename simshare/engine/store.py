"""The result store: chunks on disk as they finish, one netCDF file written atomically at the end.

Each finished chunk is saved as its own ``.npz`` file in ``results.nc.parts/`` (written to
a temporary name, then renamed, so a killed run never leaves a half-written part).
Each part's sha256 is kept beside it (``part-….npz.sha256``): ``--resume`` keeps the parts whose
run description matches and whose checksum holds (a damaged part is removed, said on stderr and
recomputed) and runs only the missing replications; parts from a run of more replications are
cut to the replications asked for.  The final ``results.nc`` is streamed part by part into a
temporary file, checked complete, and renamed into place, so memory stays flat and no reader
ever sees half a file or a replication that was not computed.  A lock file (``.simshare.lock``
in the output folder, holding the pid, host and start time) refuses a second run into the
same folder while the first is alive; a lock left by a killed run is taken over.  A failed write
(a full disk) raises :class:`StoreError` and leaves no temporary file behind.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import shutil
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from ..model.outputs import DATASET_OUTPUTS, Output

#: dataset variables, from the model's table of outputs: dims after (scenario,) replication,
#: units, long name, dtype
VARIABLES: dict[str, Output] = {o.name: o for o in DATASET_OUTPUTS}


class StoreError(ValueError):
    """A result folder that cannot be used as asked (unwritable, full, in use by another run, or a
    resume that does not match)."""


LOCK_NAME = ".simshare.lock"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


class FolderLock:
    """One writer per output folder: ``LOCK_NAME`` created exclusively, holding pid, host and start."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self.held = False

    def acquire(self) -> None:
        me = {"pid": os.getpid(), "host": socket.gethostname(),
              "started": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                other = self._holder()
                if other is not None and (other.get("host") != me["host"] or _alive(int(other.get("pid", -1)))):
                    raise StoreError(
                        f"{self.folder} is in use by another simshare run (pid {other.get('pid')} on "
                        f"{other.get('host')}, started {other.get('started')}); wait for it, or choose "
                        f"another folder with -o (if that run is gone, delete {self.path})") from None
                self.path.unlink(missing_ok=True)  # a killed run's lock (or an unreadable one)
                continue
            except OSError as err:
                raise StoreError(f"{self.folder}: cannot lock the folder ({err.strerror or err})") from None
            try:
                os.write(fd, json.dumps(me).encode())
            finally:
                os.close(fd)
            self.held = True
            return
        raise StoreError(f"{self.folder}: cannot take the lock {self.path}")

    def _holder(self) -> dict | None:
        try:
            holder = json.loads(self.path.read_text())
            return holder if isinstance(holder, dict) and isinstance(holder.get("pid"), int) else None
        except (OSError, ValueError):
            return None

    def release(self) -> None:
        if self.held:
            self.path.unlink(missing_ok=True)
            self.held = False

    def __enter__(self) -> "FolderLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _failed_write(path: Path, err: BaseException) -> StoreError:
    reason = getattr(err, "strerror", None) or str(err)
    full = isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT)
    return StoreError(f"cannot write {path}: {reason}" + (" (the disk is full: free some space and run again "
                                                          "with --resume)" if full else ""))


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


#: the run description's keys in words (what changed, when --resume refuses)
_WORDS = {"configs": "config (or scenario set-up)", "scenarios": "list of scenarios", "seed": "seed",
          "sampling": "sampling", "replications": "design size", "design": "design"}


class PartStore:
    """Finished chunks of one run, as files in a folder beside the final result."""

    def __init__(self, folder: Path, description: dict):
        self.folder = Path(folder)
        self.description = description

    def open(self, resume: bool) -> None:
        meta = self.folder / "run.json"
        if resume and meta.exists():
            try:
                stored = json.loads(meta.read_text())
            except (OSError, ValueError):
                stored = None
            if stored is None:
                raise StoreError(f"cannot resume: {meta} is damaged; run without --resume to start again")
            if stored != self.description:
                changed = sorted(_WORDS.get(k, k) for k in set(stored) | set(self.description)
                                 if stored.get(k) != self.description.get(k))
                raise StoreError(
                    f"cannot resume: {self.folder} holds an unfinished run with a different {' and '.join(changed)}; "
                    "run without --resume to start again"
                )
            self.check_parts()
            return
        try:
            if self.folder.exists():
                shutil.rmtree(self.folder)
            self.folder.mkdir(parents=True)
        except OSError as err:
            raise _failed_write(self.folder, err) from None
        _atomic_write(meta, json.dumps(self.description, indent=1).encode())

    def check_parts(self) -> list[str]:
        """Remove the parts whose checksum does not hold (truncated, corrupted, or without one),
        and leftover temporaries; say so on stderr; return the damaged parts' names."""
        for tmp in self.folder.glob("*.tmp"):
            tmp.unlink(missing_ok=True)
        damaged = []
        for path in sorted(self.folder.glob("part-*.npz")):
            sidecar = path.with_name(path.name + ".sha256")
            try:
                good = sidecar.read_text().strip() == _sha256(path)
            except OSError:
                good = False
            if not good:
                damaged.append(path.name)
                path.unlink(missing_ok=True)
                sidecar.unlink(missing_ok=True)
        for sidecar in self.folder.glob("part-*.npz.sha256"):
            if not sidecar.with_name(sidecar.name[:-len(".sha256")]).exists():
                sidecar.unlink(missing_ok=True)
        if damaged:
            print(f"simshare: {len(damaged)} damaged part(s) in {self.folder} (checksum mismatch): "
                  f"{', '.join(damaged[:5])}{' …' if len(damaged) > 5 else ''}; recomputing them", file=sys.stderr)
        return damaged

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
        try:
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)
                fh.flush()
                os.fsync(fh.fileno())
            _atomic_write(path.with_name(path.name + ".sha256"), _sha256(tmp).encode())
            os.replace(tmp, path)
        except OSError as err:
            tmp.unlink(missing_ok=True)
            raise _failed_write(path, err) from None

    def parts(self, total: int) -> Iterable[tuple[int, dict[str, np.ndarray]]]:
        """Stored chunks in replication order, each loaded only while it is being written out."""
        for start, count in sorted(self.done().items()):
            if start >= total:
                continue
            keep = min(count, total - start)  # a part of a longer run: only the replications asked for
            with np.load(self.folder / f"part-{start:09d}-{count:09d}.npz") as data:
                yield start, {k: data[k][:, :keep] for k in data.files}

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise _failed_write(path, err) from None


def month_starts(start: dt.date, months: int) -> np.ndarray:
    """Calendar month starts for months 0..months after ``start`` (days since 1970-01-01)."""
    first = np.datetime64(start.replace(day=1), "M")
    return (first + np.arange(months + 1)).astype("datetime64[D]")


#: the most bytes of one stored chunk (uncompressed)
CHUNK_BYTES = 256 * 2**10
#: the most bytes of decompressed chunks HDF5 keeps per open variable (its default is 64 MiB, which a reader
#: going through a large file a block at a time would fill for every variable it reads)
CHUNK_CACHE_BYTES = 2**20


def limit_chunk_cache() -> None:
    """Lower netCDF/HDF5's chunk cache for the files opened from now on in this process to
    :data:`CHUNK_CACHE_BYTES` per variable (never raise it): simshare writes and reads results a block of
    replications at a time, so a small cache costs no speed and keeps memory flat. Called when this module
    is imported, so that every results file simshare opens gets it."""
    import netCDF4

    size, elements, preemption = netCDF4.get_chunk_cache()
    if size > CHUNK_CACHE_BYTES:
        netCDF4.set_chunk_cache(CHUNK_CACHE_BYTES, elements, preemption)


limit_chunk_cache()


def chunk_shape(shape: list[int], dims: tuple[str, ...], itemsize: int) -> tuple[int, ...] | None:
    """How a variable is chunked on disk: one scenario, as many replications as fit in :data:`CHUNK_BYTES`
    (at least one), every value of the other dims. A reader that goes through the replications in blocks
    of whole chunks (simshare.analysis.blocks) decompresses each chunk once and holds only a few at a
    time, and the writer, which fills the replications in order, holds one unfinished chunk per variable,
    so memory stays flat however many replications a file holds."""
    sizes = dict(zip(dims, shape))
    if min(shape) < 1:
        return None  # an empty variable: the library's default
    per = itemsize * int(np.prod([n for d, n in sizes.items() if d not in ("scenario", "replication")],
                                 dtype=np.int64))
    replications = max(1, min(sizes["replication"], CHUNK_BYTES // max(per, 1)))
    return tuple(1 if d == "scenario" else replications if d == "replication" else n for d, n in sizes.items())


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
                                        shuffle=True, fill_value=False if spec.integer else np.nan,
                                        chunksizes=chunk_shape([sizes[d] for d in lead + dims], lead + dims,
                                                               np.dtype(spec.dtype).itemsize))
                var.units, var.long_name = spec.units, spec.long_name
                if name == "inputs":
                    var.coordinates = "parameter_units"
                elif "time" in dims:
                    var.coordinates = "date"
                variables[name] = var
            nc.setncatts({k: v for k, v in layout.attrs.items() if v is not None})
            covered = np.zeros(total, dtype=bool)
            for start, arrays in parts:
                count = arrays["npv"].shape[1]
                covered[start:start + count] = True
                for name, var in variables.items():
                    data = arrays[name]
                    if scenario_dim:
                        var[:, start:start + count] = data
                    else:
                        var[start:start + count] = data[0]
            if not covered.all():
                lost = np.flatnonzero(~covered)
                raise StoreError(f"{path}: not written: {lost.size} of {total} replications were not computed "
                                 f"(the first is {int(lost[0])}); run again with --resume")
        os.replace(tmp, path)
    except (OSError, RuntimeError) as err:  # netCDF4/HDF5 report a full disk as either
        raise _failed_write(path, err) from None
    finally:
        if tmp.exists():
            tmp.unlink()
