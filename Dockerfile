# The platform's one image: every role runs from it (`./platform run <role>`; infra/terraform
# passes the role as the arguments). Not built on the development machines (no container engine
# there): build it where one is, e.g. `docker build -t <registry>/platform:$(git rev-parse --short HEAD) .`
FROM node:20-bookworm-slim

# diffutils: ./platform compares the lock file with the installed one (cmp) before starting.
RUN apt-get update \
  && apt-get install -y --no-install-recommends bash ca-certificates diffutils \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
# The lock file's exact versions; the stamp tells ./platform they are installed. The collector's
# Kafka client (@confluentinc/kafka-javascript) fetches its prebuilt librdkafka binary from GitHub
# here; ./platform's build from source against Debian's libraries is for machines that cannot.
RUN npm install --no-audit --no-fund --loglevel=error \
  && cp package-lock.json node_modules/.platform-lock-stamp \
  && npm cache clean --force

COPY . .

# Runtime state (the local JWT secret file is never used in production; DuckDB's extension cache
# is): a writable folder outside the code. DuckDB downloads its httpfs extension there on first use.
ENV PLATFORM_ENV=production \
    PLATFORM_STATE_DIR=/tmp/platform \
    DUCKDB_EXTENSION_DIR=/tmp/platform/duckdb-extensions \
    OPS_HOST=0.0.0.0

USER node
EXPOSE 8080 3000 9464
ENTRYPOINT ["./platform"]
CMD ["run", "all"]
