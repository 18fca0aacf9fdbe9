"""`make contract-lint`: the committed contract through two outside linters, versions pinned in
.ci/package.json and .ci/package-lock.json.

* Redocly CLI with its `recommended` rules (.ci/redocly.yaml): 0 errors and 0 warnings.
* Spectral with `spectral:oas` and the OWASP API Security ruleset (.ci/spectral.yaml, where every
  rule turned off says why): 0 errors; the remaining warnings are counted per rule and printed.

Exit status 0 only when both have no error. Lints openapi/openapi.json as committed (the
contract-drift check keeps it equal to the app's).
"""

import collections
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / ".ci" / "node_modules" / ".bin"
CONTRACT = "openapi/openapi.json"
SEVERITIES = ("error", "warning", "info", "hint")  # Spectral's numeric severities 0..3


def redocly() -> int:
    print("== Redocly (recommended rules)", flush=True)
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
    command = [str(TOOLS / "redocly"), "lint", CONTRACT, "--config", ".ci/redocly.yaml", "--format", "stylish"]
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode  # noqa: S603


def spectral() -> int:
    print("== Spectral (spectral:oas + OWASP API Security ruleset)", flush=True)
    command = [str(TOOLS / "spectral"), "lint", CONTRACT, "--ruleset", ".ci/spectral.yaml", "--format", "json", "-q"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    try:
        findings = json.loads(result.stdout or "[]")
    except json.JSONDecodeError:
        print(result.stdout, result.stderr, sep="\n")
        return 2
    by_rule = collections.Counter((SEVERITIES[f["severity"]], f["code"]) for f in findings)
    for (severity, rule), count in sorted(by_rule.items(), key=lambda item: (item[0][0] != "error", -item[1])):
        print(f"{count:6d}  {severity:7s}  {rule}")
    for finding in [f for f in findings if f["severity"] == 0][:40]:  # the first few, to fix
        where = "/".join(str(part) for part in finding["path"])
        print(f"error  {finding['code']}  {where}: {finding['message']}")
    errors = sum(count for (severity, _), count in by_rule.items() if severity == "error")
    warnings = sum(count for (severity, _), count in by_rule.items() if severity == "warning")
    print(f"Spectral: {errors} errors, {warnings} warnings remaining")
    return 1 if errors else 0


def main() -> int:
    if not (TOOLS / "spectral").exists():
        sys.exit("linters not installed: run `make contract-lint` (it runs npm ci in .ci/)")
    failed = [name for name, status in (("redocly", redocly()), ("spectral", spectral())) if status]
    print(f"contract-lint: {'failed: ' + ', '.join(failed) if failed else '0 errors'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
