"""Read one CI stage's log and print how many checks it passed and failed: "<passed> <failed>".

Usage: count.py KIND LOG EXIT_STATUS
  pytest   the runner's summary line(s) ("== 1,797 passed, 2 skipped in 3.1s ==")
  fuzz     schemathesis's "Test cases: N generated, P passed, F failed" line(s), one per run
  check    one check: passed when the command exited 0
A stage that exited non-zero without reporting a failure counts one failure (a crash, a timeout, a
collection error), so the total can never read as green when a stage was not.
"""

import re
import sys

SUMMARY = re.compile(r"^=*\s*(?P<body>\d+ (?:passed|failed|errors?|skipped|deselected)\b.*) in [\d.]+s")


def count(pattern: str, text: str) -> int:
    return sum(int(n) for n in re.findall(pattern, text))


def pytest_counts(log: str) -> tuple[int, int]:
    passed = failed = 0
    for line in log.splitlines():
        match = SUMMARY.match(line.strip())
        if match:
            body = match["body"]
            passed += count(r"(\d+) passed", body)
            failed += count(r"(\d+) failed", body) + count(r"(\d+) errors?", body)
    return passed, failed


def fuzz_counts(log: str) -> tuple[int, int]:
    passed = failed = 0
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "Test cases:" and i + 1 < len(lines):
            body = lines[i + 1]
            passed += count(r"(\d+) passed", body)
            failed += count(r"(\d+) failed", body)
    return passed, failed


def main() -> None:
    kind, path, status = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(path, encoding="utf-8", errors="replace") as handle:
        log = handle.read()
    if kind == "check":
        passed, failed = (1, 0) if status == 0 else (0, 1)
    else:
        passed, failed = pytest_counts(log) if kind == "pytest" else fuzz_counts(log)
        if status != 0 and failed == 0:
            failed = 1
    print(passed, failed)


if __name__ == "__main__":
    main()
