"""The package imports lazily: `import embedlearn` loads no heavy dependency."""
import subprocess
import sys

import pytest

import embedlearn


def test_import_loads_no_heavy_module():
    code = ("import sys, embedlearn; heavy = [m for m in ('numba', 'scipy', 'networkx', 'tqdm', "
            "'llvmlite') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.parametrize("name", embedlearn.__all__)
def test_public_names_resolve(name):
    assert getattr(embedlearn, name) is not None


def test_unknown_attribute():
    with pytest.raises(AttributeError, match="no_such_thing"):
        embedlearn.no_such_thing
