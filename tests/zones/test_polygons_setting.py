"""API__NIL_GEOJSON_PATH: a configured file that is missing or is not NIL polygons stops the start
with an error naming the setting (it used to make every /v1/zones/locate answer 503)."""

import pytest
from pydantic import ValidationError

from app.config import NIL_GEOJSON, Settings
from app.main import create_app


def test_settings_default_to_the_shipped_nil_polygons(monkeypatch):
    monkeypatch.delenv("API__NIL_GEOJSON_PATH", raising=False)

    assert Settings().api.nil_geojson_path == NIL_GEOJSON
    assert NIL_GEOJSON.is_file()


def test_a_configured_nil_geojson_that_does_not_exist_is_a_settings_error_naming_the_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("API__NIL_GEOJSON_PATH", str(tmp_path / "missing.geojson"))

    with pytest.raises(ValidationError, match="API__NIL_GEOJSON_PATH: no such file: .*missing.geojson"):
        Settings()


def test_a_configured_nil_geojson_that_is_not_polygons_stops_the_app_start_naming_the_setting(monkeypatch, tmp_path):
    path = tmp_path / "nil.geojson"
    path.write_text('{"type": "FeatureCollection"}', encoding="utf-8")
    monkeypatch.setenv("API__NIL_GEOJSON_PATH", str(path))

    with pytest.raises(RuntimeError, match="API__NIL_GEOJSON_PATH: .*nil.geojson is not a GeoJSON FeatureCollection"):
        create_app(Settings())
