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


# ------------------------------------------------- one execution: nbval's run feeds the build
def _tiny_notebook(path, assertion):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python",
                                  "name": "python3"}, "language_info": {"name": "python"}}
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {path.stem}"),
                nbformat.v4.new_code_cell("value = 6 * 7\nprint('computed', value)"),
                nbformat.v4.new_code_cell(assertion)]
    nbformat.write(nb, path)


def _cache_match(cache_dir, path):
    import nbformat
    from jupyter_cache import get_cache

    try:
        return get_cache(str(cache_dir)).match_cache_notebook(nbformat.read(path, as_version=4))
    except KeyError:
        return None


def test_nbval_runs_feed_the_book_and_failures_fail_both(tmp_path):
    """The design that executes each chapter once, end to end on a two-notebook book: pytest
    (nbval + notebooks/conftest.py) stores only the notebook whose cells all passed; the book
    build renders that one from the cache, executes the other and fails on its error; an edit
    to the stored notebook's code makes the cache miss."""
    import shutil
    import subprocess
    import sys

    (tmp_path / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / "conftest.py", tmp_path / "notebooks" / "conftest.py")
    good, bad = tmp_path / "notebooks" / "good.ipynb", tmp_path / "notebooks" / "bad.ipynb"
    _tiny_notebook(good, "assert value == 42")
    _tiny_notebook(bad, "assert value == 41, 'a failing cell'")
    cache = tmp_path / "_build" / ".jupyter_cache"

    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-o",
         "addopts=", "notebooks"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert tests.returncode == 1, tests.stdout[-2000:]           # the failing cell fails pytest
    assert "1 failed, 3 passed" in tests.stdout, tests.stdout[-2000:]
    assert "| good.ipynb | 2 |" in tests.stdout and "| yes | yes |" in tests.stdout
    stored = _cache_match(cache, good)
    assert stored is not None and stored.data["executed_by"] == "pytest (nbval)"
    assert _cache_match(cache, bad) is None                       # nothing stored for it

    (tmp_path / "_config.yml").write_text(
        "title: t\nonly_build_toc_files: true\n"
        "execute:\n  execute_notebooks: cache\n  raise_on_error: true\n", encoding="utf-8")
    (tmp_path / "intro.md").write_text("# Intro\n", encoding="utf-8")
    toc = "format: jb-book\nroot: intro\nchapters:\n  - file: notebooks/good\n"
    (tmp_path / "_toc.yml").write_text(toc, encoding="utf-8")
    jb = [str(pathlib.Path(sys.executable).with_name("jupyter-book")), "build", ".", "-W",
          "--keep-going"]
    build = subprocess.run(jb, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert "good.ipynb: Using cached notebook" in build.stdout     # rendered, not executed
    assert "computed 42" in (tmp_path / "_build/html/notebooks/good.html").read_text("utf-8")

    (tmp_path / "_toc.yml").write_text(toc + "  - file: notebooks/bad\n", encoding="utf-8")
    build = subprocess.run(jb, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert build.returncode != 0                                   # the failing cell fails it
    assert "bad.ipynb: Executing notebook" in build.stdout
    assert "a failing cell" in build.stdout + build.stderr

    _tiny_notebook(good, "assert value == 42  # edited after the tests ran")
    assert _cache_match(cache, good) is None                       # the build would execute it
