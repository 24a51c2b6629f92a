# The Topology service image. Neo4j and RabbitMQ run as their own containers
# (docker-compose.yml); this image holds only the Python service.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TOPOLOGY_STATE_DIR=/var/lib/topology

WORKDIR /app
COPY pyproject.toml README.md ./
COPY topology ./topology
COPY loaders ./loaders
COPY cypher ./cypher
COPY graphql ./graphql
RUN pip install --no-cache-dir -e . \
    && useradd --system --home-dir /var/lib/topology --create-home topology
USER topology

ENTRYPOINT ["topology"]
CMD ["--help"]
