"""Repository hygiene for the book: notebooks are committed clean and all of them are in the TOC."""
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _toc_files():
    # _toc.yml lines look like "- file: notebooks/00_from_counts_to_vectors"; a regex avoids a
    # YAML dependency in the test extra.
    text = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    files = re.findall(r"^\s*(?:-\s*)?(?:file|root):\s*([^\s#]+)", text, flags=re.M)
    return {str(pathlib.PurePosixPath(f).with_suffix("")) for f in files}


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebook found in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [i for i, cell in enumerate(nb["cells"]) if cell["cell_type"] == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, (f"{path.name}: code cells {dirty} have outputs or an execution count; "
                       f"run: python -m nbconvert --clear-output --inplace {path}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_listed_in_toc(path):
    entry = f"notebooks/{path.stem}"
    assert entry in _toc_files(), f"{entry} is missing from _toc.yml"


def test_toc_entries_exist():
    for entry in _toc_files():
        candidates = [ROOT / f"{entry}{ext}" for ext in (".md", ".ipynb")]
        assert any(c.exists() for c in candidates), f"_toc.yml lists {entry}, which does not exist"
