# Switchboard: production by default. The image needs SWITCHBOARD_ENCRYPTION_KEYS, and on a first
# start SWITCHBOARD_ADMIN_TOKEN; without them `serve` stops with one line naming what is missing.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    SWITCHBOARD_ENV=production \
    SWITCHBOARD_HOST=0.0.0.0 SWITCHBOARD_PORT=8000 \
    DATABASE_URL=sqlite:////var/lib/switchboard/switchboard.sqlite3

# Dependencies first, from the lock: this layer is rebuilt only when they change.
WORKDIR /build
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.in \
    && pip install --no-cache-dir -c requirements.lock -r requirements.in

# Then the package (the app, its migrations and web assets), installed: no source tree at run time.
COPY README.md ./
COPY app ./app
COPY piccolo_migrations ./piccolo_migrations
RUN pip install --no-cache-dir --no-deps . \
    && cd / && rm -rf /build \
    && useradd --system --home /var/lib/switchboard --create-home switchboard

USER switchboard
WORKDIR /var/lib/switchboard
VOLUME /var/lib/switchboard
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s CMD python -c "import os, sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:%s/health/ready' % os.environ.get('SWITCHBOARD_PORT', '8000'), timeout=4).status != 200)"
# `serve` applies pending migrations, checks the encryption keys, then starts uvicorn.
CMD ["python", "-m", "app.cli", "serve"]
