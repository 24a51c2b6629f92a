# The Topology service image. Neo4j and RabbitMQ run as their own containers
# (docker-compose.yml); this image holds only the Python service.

# GraphiQL's scripts and styles, served by the API itself (no CDN): the pinned npm packages.
FROM node:20-slim AS graphiql
WORKDIR /graphiql
COPY topology/api/graphiql_assets/package.json topology/api/graphiql_assets/package-lock.json \
     topology/api/graphiql_assets/.npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TOPOLOGY_STATE_DIR=/var/lib/topology

WORKDIR /app
COPY pyproject.toml README.md ./
COPY topology ./topology
COPY --from=graphiql /graphiql/node_modules ./topology/api/graphiql_assets/node_modules
COPY loaders ./loaders
COPY cypher ./cypher
COPY graphql ./graphql
RUN pip install --no-cache-dir -e . \
    && useradd --system --home-dir /var/lib/topology --create-home topology
USER topology

ENTRYPOINT ["topology"]
CMD ["--help"]
