"""bench/ is tooling beside the product: no app module imports it, and only `app` is packaged
(STYLE.md section 1). The generator runs as `python -m bench.generate` (`make generate`)."""

import subprocess
import sys
import tomllib
from pathlib import Path

from setuptools import find_namespace_packages

ROOT = Path(__file__).resolve().parents[1]

IMPORT_EVERY_APP_MODULE = """
import importlib, pkgutil, sys
import app
for module in pkgutil.walk_packages(app.__path__, "app."):
    importlib.import_module(module.name)
print(len(sys.modules), "bench" in sys.modules)
"""


def test_importing_every_app_module_imports_no_bench():
    # A fresh interpreter: this test run may have imported bench itself (tests/test_generator.py).
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_APP_MODULE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "False", result.stdout


def test_only_the_app_package_is_built():
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    find = settings["packages"]["find"]

    packaged = find_namespace_packages(str(ROOT), include=find["include"], exclude=find.get("exclude", ()))

    assert "app" in packaged and "app.demand" in packaged
    assert [name for name in packaged if name.split(".")[0] != "app"] == []
