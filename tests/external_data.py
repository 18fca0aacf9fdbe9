"""Reference documents that are not ours to ship (the full NIL polygons, the official HSDS schemas):
tests that compare against them find them through an environment variable.

Default: the team's `../shared` folder beside the repository, when it exists. Where the document
is missing, the test is skipped with a reason naming the variable; with CI=true a missing
document is a failure, so CI can never pass by skipping them.
"""

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def external_path(variable: str, default: Path) -> Path:
    """The path in `variable` (else `default`) when it exists; otherwise skip, or fail on CI."""
    configured = os.environ.get(variable)
    path = Path(configured) if configured else default
    if path.exists():
        return path
    reason = (
        f"{variable}={configured} does not exist"
        if configured
        else f"set {variable} to run this test (the default {default} does not exist)"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true requires it", pytrace=False)
    pytest.skip(reason)
