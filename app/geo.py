"""Distances on the Earth, in Python and in SQL (no PostGIS: the embedded server has no extensions)."""

import math

from sqlalchemy import ColumnElement, Float, func, literal

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def haversine_km_sql(lat_col, lon_col, lat: float, lon: float) -> ColumnElement[float]:  # noqa: ANN001
    """Great-circle distance from (lat_col, lon_col) to a fixed point, as a SQL expression."""
    # Rounded to 1 cm: PostgreSQL raises "value out of range: underflow" (a 500) rather than round a
    # subnormal such as radians(5e-324) to 0, and a point is never known to better than 1 cm anyway.
    lat_p, lon_p = literal(round(lat, 7), Float), literal(round(lon, 7), Float)
    dlat = func.radians(lat_col - lat_p)
    dlon = func.radians(lon_col - lon_p)
    h = func.power(func.sin(dlat / 2), 2) + func.cos(func.radians(lat_p)) * func.cos(
        func.radians(lat_col)
    ) * func.power(func.sin(dlon / 2), 2)
    return 2 * EARTH_RADIUS_KM * func.asin(func.least(1.0, func.sqrt(h)))
