# The PetaSinyal server: gunicorn, migrations applied at start.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY analysis ./analysis
COPY server ./server
COPY mobile ./mobile
RUN pip install --no-cache-dir babel && pybabel compile -d server/translations \
    && pip install --no-cache-dir ".[server]"
# pg_dump / pg_restore / psql for `petasinyal backup` and `restore` (docs/backup.md)
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home petasinyal && mkdir -p /data && chown petasinyal /data
USER petasinyal
ENV PETASINYAL_INSTANCE=/data
EXPOSE 8000
CMD ["sh", "-c", "petasinyal db upgrade && exec gunicorn --workers 3 --threads 4 --bind 0.0.0.0:8000 --timeout 120 'server:create_app()'"]
