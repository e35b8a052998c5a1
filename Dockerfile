# syntax=docker/dockerfile:1
# Multi-stage build: compile with dev dependencies, ship production dependencies only, run as a
# non-root user. There is no separate migration step: the broker applies pending migrations itself
# at start-up, serialised across replicas by a Postgres advisory lock.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The npm the lockfile was written with. Unlike the image's npm 10 it honours package.json's
# allowScripts, so no install script downloads Prisma engines or sends telemetry: the build needs
# the npm registry and nothing else.
RUN npm install --global npm@11.19.1 --no-audit --no-fund
COPY package.json package-lock.json ./
# postinstall runs `prisma generate` (offline: the npm script sets PRISMA_SCHEMA_ENGINE_BINARY) into
# libs/database/src/generated; .dockerignore keeps a host's copy from overwriting it below.
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
# The generated Prisma client is compiled into dist; the migrator's @prisma/schema-engine-wasm is a
# production dependency, so pruning dev dependencies keeps both working.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
# Owned by root, readable by everyone: the process cannot modify its own code or dependencies.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# schema.prisma and migrations/*/migration.sql, read at start-up to migrate.
COPY --from=build /app/prisma ./prisma
# The image's `node` user, by number so that Kubernetes' runAsNonRoot can verify it is not root.
USER 1000:1000
EXPOSE 3000
CMD ["node", "dist/apps/broker/src/main.js"]
