# Production image: no embedded PostgreSQL (set DATABASE_URL; PostgreSQL 18 as in docker-compose and
# development, 15 or later works), non-root, two uvicorn workers.
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.12-slim
# PYTHONPATH: import the app from /srv (beside alembic.ini and migrations/), not the installed copy.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 ENV=prod PYTHONPATH=/srv
RUN useradd --create-home --uid 10001 tutti
WORKDIR /srv
COPY --from=build /install /usr/local
COPY alembic.ini ./
COPY migrations ./migrations
COPY app ./app
USER tutti
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
# `serve` applies migrations and reference data (idempotent), then starts uvicorn. The worker runs
# apart in production: the same image with `tutti worker` (see docker-compose.yml).
CMD ["tutti", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--no-demo", "--no-worker"]
