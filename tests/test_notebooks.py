"""The notebooks: committed without outputs, and each runs from top to bottom without an error.

They run with few replications (``SIMSHARE_NOTEBOOK_N``), from the notebooks/ folder as Jupyter would,
in a kernel on this interpreter, writing anything they save to a temporary folder.
"""

from __future__ import annotations

import json
import sys

import pytest

import ipykernel  # noqa: F401  (the kernel the notebooks run on; test extra)
import nbclient
import nbformat

from conftest import ROOT

NOTEBOOKS = ROOT / "notebooks"
NAMES = ["01_quickstart.ipynb", "02_sensitivity.ipynb", "03_phasing.ipynb", "04_decisions.ipynb"]
KERNEL = "simshare-tests"


def test_the_notebooks_are_there():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_committed_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [], f"{name}: a cell has outputs; clear them before committing"
        assert cell.execution_count is None, f"{name}: a cell has an execution count; clear outputs"
    first = code[0].source
    assert "SIMSHARE_NOTEBOOK_N" in first, f"{name}: the replication count must come from SIMSHARE_NOTEBOOK_N"


@pytest.fixture
def kernel_on_this_python(tmp_path, monkeypatch) -> str:
    """A kernelspec that starts ipykernel on this interpreter, found first (JUPYTER_PATH comes first)."""
    spec = tmp_path / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "simshare tests", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("SIMSHARE_NOTEBOOK_N", "20")
    monkeypatch.setenv("SIMSHARE_NOTEBOOK_OUT", str(tmp_path / "out"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYTHONWARNINGS", "ignore")
    return KERNEL


@pytest.mark.parametrize("name", NAMES)
def test_runs_without_errors(name, kernel_on_this_python, tmp_path):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=240, kernel_name=kernel_on_this_python, allow_errors=False,
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as err:  # the message holds the cell and its traceback
        pytest.fail(f"{name}: a cell failed:\n{err}")
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code)
    errors = [out for cell in code for out in cell.outputs if out.output_type == "error"]
    assert not errors
    images = [out for cell in code for out in cell.outputs if "image/png" in out.get("data", {})]
    assert len(images) >= 3, f"{name}: the figures were not displayed"
    assert not (NOTEBOOKS / name).read_text(encoding="utf-8").count('"output_type"'), "the notebook file changed"
    if name == "01_quickstart.ipynb":
        assert (tmp_path / "out" / "quickstart_report.html").exists()
