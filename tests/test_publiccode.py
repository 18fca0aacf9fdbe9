"""publiccode.yml is valid against the publiccode.yml standard, and the check catches what it should
(scripts/check_publiccode.py, also run in CI as `make publiccode`)."""

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CHECK = ROOT / "scripts" / "check_publiccode.py"


def check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(CHECK), str(path)], capture_output=True, text=True, timeout=60)


def broken_copy(tmp_path: Path, change) -> Path:
    document = yaml.safe_load((ROOT / "publiccode.yml").read_text(encoding="utf-8"))
    change(document)
    shutil.copy(ROOT / "LICENSE", tmp_path / "LICENSE")
    path = tmp_path / "publiccode.yml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def test_the_repository_publiccode_yml_is_valid():
    result = check(ROOT / "publiccode.yml")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "publiccode.yml: valid" in result.stdout


def test_a_missing_required_section_is_reported(tmp_path):
    path = broken_copy(tmp_path, lambda doc: doc.pop("maintenance"))

    result = check(path)

    assert result.returncode == 1
    assert "(root): 'maintenance' is a required property" in result.stdout


def test_a_value_outside_the_standard_is_reported(tmp_path):
    path = broken_copy(tmp_path, lambda doc: doc.update(developmentStatus="finished", softwareType="website"))

    result = check(path)

    assert result.returncode == 1
    assert "developmentStatus: 'finished' is not one of" in result.stdout
    assert "softwareType: 'website' is not one of" in result.stdout


def test_a_licence_other_than_the_repository_licence_is_reported(tmp_path):
    path = broken_copy(tmp_path, lambda doc: doc["legal"].update(license="MIT"))

    result = check(path)

    assert result.returncode == 1
    assert "legal.license: 'MIT'" in result.stdout


def test_a_short_description_over_150_characters_is_reported(tmp_path):
    path = broken_copy(tmp_path, lambda doc: doc["description"]["en"].update(shortDescription="x" * 151))

    result = check(path)

    assert result.returncode == 1
    assert "description.en.shortDescription" in result.stdout


def test_a_version_without_release_date_and_a_relative_url_are_reported(tmp_path):
    path = broken_copy(tmp_path, lambda doc: doc.update(softwareVersion="0.1.0", url="welfare-di-tutti.git"))

    result = check(path)

    assert result.returncode == 1
    assert "softwareVersion/releaseDate" in result.stdout
    assert "url: 'welfare-di-tutti.git' is not an absolute http(s) URL" in result.stdout
