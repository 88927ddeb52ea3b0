# The platform's one image: every role runs from it (`run <role>`; infra/terraform passes the role
# as the arguments). Not built on the development machines (no container engine there): build it
# where one is, e.g. `docker build -t <registry>/platform:$(git rev-parse --short HEAD) .`
# test/infra/image.test.ts runs the same build steps and starts roles from their output.

# Build stage: every dependency (tsc), then the compiled roles and their run-time files in /app.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund --loglevel=error
COPY . .
RUN node node_modules/tsx/dist/cli.mjs infra/image/build.ts /app

# Run stage: compiled JavaScript and production dependencies only, no tests, benches or tsx.
FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app ./
# The collector's Kafka client (@confluentinc/kafka-javascript) fetches its prebuilt librdkafka
# here; development machines build it from source instead (./platform).
RUN npm install --omit=dev --no-audit --no-fund --loglevel=error \
  && npm cache clean --force

# Runtime state (DuckDB's extension cache; the local JWT secret file is never used in production):
# a writable folder outside the code.
ENV NODE_ENV=production \
    PLATFORM_ENV=production \
    PLATFORM_STATE_DIR=/tmp/platform \
    DUCKDB_EXTENSION_DIR=/tmp/platform/duckdb-extensions \
    OPS_HOST=0.0.0.0

USER node
EXPOSE 8080 3000 9464
ENTRYPOINT ["node", "cli/main.js"]
CMD ["run", "all"]
