"""Repository hygiene for the book: every notebook under notebooks/ is committed clean, starts with
the standard setup cell, keeps its code within 88 columns, has a title without math, and is in
the TOC. Chapters added later are held to the same rules (see notebooks/README.md)."""
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_CODE_COLUMNS = 88   # what the book's content column shows without cutting (book/_static)

# The first code cell of every chapter, character for character. Inside the repository (package
# installed, as the README's commands do) it does nothing; on Colab or in a bare Jupyter it
# installs embedlearn from the repository before the chapter imports it.
SETUP_CELL = """\
# Setup. Inside a clone of the repository (package installed) this does nothing;
# elsewhere (Colab, a bare Jupyter) it installs embedlearn from the repository first.
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("embedlearn") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "matplotlib",
                    "embedlearn @ git+https://github.com/embedlearn/embedlearn@main"],
                   check=True)
    importlib.invalidate_caches()"""


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell):
    return "".join(cell["source"])


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
def test_notebook_starts_with_the_setup_cell(path):
    cells = _cells(path)
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code, f"{path.name} has no code cell"
    assert _source(code[0]) == SETUP_CELL, (
        f"{path.name}: the first code cell must be the standard setup cell "
        "(tests/test_notebooks.py SETUP_CELL, notebooks/README.md)")
    assert "remove-cell" in code[0].get("metadata", {}).get("tags", []), (
        f"{path.name}: tag the setup cell 'remove-cell' (it is for Colab, not for readers)")
    before = cells[:cells.index(code[0])]
    assert all(c["cell_type"] == "markdown" for c in before)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_code_fits_the_column(path):
    wide = [(i, line) for i, cell in enumerate(_cells(path)) if cell["cell_type"] == "code"
            for line in _source(cell).splitlines() if len(line) > MAX_CODE_COLUMNS]
    assert not wide, (f"{path.name}: {len(wide)} code lines longer than {MAX_CODE_COLUMNS} "
                      f"characters (cell, line): {wide[:5]}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_title_has_no_math(path):
    cells = _cells(path)
    assert cells and cells[0]["cell_type"] == "markdown", f"{path.name}: no title cell"
    title = _source(cells[0]).lstrip().split("\n", 1)[0]
    assert title.startswith("# "), f"{path.name}: the first cell must start with '# Title'"
    # The title is also the browser tab's and the sidebar's, where TeX is not typeset.
    assert not re.search(r"[$\\]", title), (
        f"{path.name}: title {title!r} holds TeX; write it in plain text (*K* + 1)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_listed_in_toc(path):
    entry = f"notebooks/{path.stem}"
    assert entry in _toc_files(), f"{entry} is missing from _toc.yml"


def test_toc_entries_exist():
    for entry in _toc_files():
        candidates = [ROOT / f"{entry}{ext}" for ext in (".md", ".ipynb")]
        assert any(c.exists() for c in candidates), f"_toc.yml lists {entry}, which does not exist"
