# One image for every Orchard Live service; docker-compose picks the command.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 ORCHARD_DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md requirements.lock ./
COPY orchard ./orchard
COPY devices ./devices
COPY ingest ./ingest
COPY streams ./streams
COPY api ./api
COPY dashboard ./dashboard
COPY alerts ./alerts
# the versions the tests passed with (./run lock)
RUN pip install --no-cache-dir -c requirements.lock . && useradd --system --uid 10001 orchard \
    && mkdir /data /registry && chown orchard /data /registry
USER orchard
VOLUME /data
ENTRYPOINT ["orchard"]
