"""Clients generated from the contract, with their tools' default options, work (issue 10).

`make clients` installs the pinned generators (clients/ts/package-lock.json, clients/python/
requirements.txt) and runs this module with TUTTI_CLIENTS=1; `make test` skips it.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clients.live_server import live_server

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "clients" / "ts"
GENERATOR = ROOT / "clients" / ".venv" / "bin"


def run(command: list[str], cwd: Path, timeout: float, **env: str) -> subprocess.CompletedProcess:
    result = subprocess.run(  # noqa: S603 - pinned tools of ours
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **env}, check=False
    )
    print(result.stdout[-4000:], result.stderr[-4000:], sep="\n")
    return result


def test_openapi_typescript_types_let_tsc_strict_compile_a_request_with_only_required_fields():
    generated = run(["npm", "run", "-s", "generate"], TS, 120)
    assert generated.returncode == 0

    compiled = run(["npm", "run", "-s", "check"], TS, 120)

    assert compiled.returncode == 0, "tsc --strict refused clients/ts/create_request.ts"


def test_the_generated_python_client_runs_a_citizen_journey_with_an_anonymous_search(tmp_path):
    package = tmp_path / "tutti_client"
    generated = run(
        [str(GENERATOR / "openapi-python-client"), "generate", "--path", str(ROOT / "openapi" / "openapi.json"),
         "--output-path", str(package), "--meta", "none"],
        tmp_path, 180,
    )  # fmt: skip
    assert generated.returncode == 0 and (package / "client.py").exists()
    # Public operations (security: []) take the plain Client; a token-only signature would read
    # `client: AuthenticatedClient,` (as create_request's does).
    assert "client: AuthenticatedClient | Client," in (package / "api" / "services" / "list_services.py").read_text()
    assert "client: AuthenticatedClient," in (package / "api" / "requests" / "create_request.py").read_text()

    with live_server("tutti_clients") as base_url:
        journey = run(
            [str(GENERATOR / "python"), str(ROOT / "clients" / "python" / "journey.py"), base_url],
            tmp_path, 120, PYTHONPATH=str(tmp_path),
        )  # fmt: skip

    assert journey.returncode == 0
    assert "ok search services anonymously: 200" in journey.stdout
    assert "journey done" in journey.stdout


@pytest.fixture(autouse=True, scope="module")
def _tools_installed():
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing or not (TS / "node_modules").exists() or not (GENERATOR / "openapi-python-client").exists():
        pytest.fail(f"run `make clients` (it installs the generators); missing: {missing or 'generators'}")
    assert sys.version_info >= (3, 11)
