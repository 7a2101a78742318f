# syntax=docker/dockerfile:1
# tokportal-sync image: one image for every role (start, receiver, worker, migrate, fake-api, CLI jobs);
# the compose file picks the role with the command.
#
#   docker build -t tokportal-sync .
#   docker run --init --rm --env-file .env -p 3000:3000 tokportal-sync            # start (all in one)
#   docker run --init --rm --env-file .env tokportal-sync backfill                 # any other subcommand
#
# Run it with `--init` (compose: `init: true`): a tiny init as PID 1 forwards SIGTERM to Node, so
# `docker stop` lets the receiver drain and the worker finish its job instead of being killed after 10 s.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- deps: every dependency, dev ones included, to compile TypeScript ----
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund

# ---- build: src/ and fake-tokportal/ → dist/ ----
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY fake-tokportal ./fake-tokportal
RUN npm run build

# ---- prod-deps: production dependencies only, in their own stage so no npm cache or dev package
# ever reaches a runtime layer ----
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app
# package.json carries "type": "module", without which Node would not load dist/ as ESM.
COPY --chown=root:root package.json ./
COPY --from=prod-deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# The code finds drizzle/ beside package.json (src/lib/package-root.ts): /app/drizzle.
COPY --chown=root:root drizzle ./drizzle
# The code is owned by root and read-only to the app; only .data/ (embedded PGlite, used when
# DATABASE_URL is unset) is writable by the unprivileged `node` user (uid 1000) of the base image.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
# /healthz answers while the process is up (readiness of Postgres and Redis is /readyz).
# No curl in the slim image: Node's own fetch does the probe.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# V8 heap flags: the same as bin/tokportal-sync.js and package.json (docs/operations.md, "Memory").
ENTRYPOINT ["node", "--max-semi-space-size=4", "--heap-growing-percent=50", "dist/src/cli/main.js"]
CMD ["start"]
