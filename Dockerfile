# Switchboard: migrations, then the server, as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    SWITCHBOARD_HOST=0.0.0.0 SWITCHBOARD_PORT=8000 \
    DATABASE_URL=sqlite:////var/lib/switchboard/switchboard.sqlite3 \
    SWITCHBOARD_KEY_FILE=/var/lib/switchboard/keyring.json

WORKDIR /srv/switchboard
COPY pyproject.toml requirements.lock README.md ./
COPY app ./app
COPY piccolo_migrations ./piccolo_migrations
COPY piccolo_conf.py schema.graphql ./
RUN pip install --no-cache-dir -c requirements.lock . \
    && useradd --system --home /var/lib/switchboard --create-home switchboard

USER switchboard
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health').status != 200)"
# `serve` applies pending migrations, checks the encryption keys, then starts uvicorn.
CMD ["python", "-m", "app.cli", "serve"]
