"""docker-compose.yml: migrations run once before the API and the worker; the worker has its own check."""

import yaml

from app.config import PROJECT_ROOT


def services() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())["services"]


def test_a_one_shot_migrate_service_runs_tutti_migrate_after_the_database_is_healthy():
    migrate = services()["migrate"]

    assert migrate["command"] == ["tutti", "migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"


def test_the_api_and_the_worker_start_only_after_migrate_exits_0():
    for name in ("api", "worker"):
        assert services()[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name


def test_the_worker_is_checked_by_its_heartbeat_not_by_the_images_http_check():
    assert services()["worker"]["healthcheck"]["test"] == ["CMD", "tutti", "worker", "--check"]
