"""Partner sync answers with the catalogue's own view of a listing (the ServiceRead staff see)."""

from app.catalog.views import service_views

__all__ = ["service_views"]
