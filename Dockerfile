# One image for every service (ADR 0029); SERVICE picks the one a container runs:
#   docker build --target runtime -t gridgov:local .
#   docker run -e SERVICE=notifier … gridgov:local
# The projection prints bulletin PDFs with headless Chromium and a CJK font (ADR 0031): its image is the stage
# `projection`, the same runtime with those two added (docker-compose.yml builds both):
#   docker build --target projection -t gridgov-projection:local .
# Node 24 LTS, the release scripts/lib.sh installs (NODE_VERSION).
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# Build: the workspace's packages installed with pnpm, then `pnpm build`: one JavaScript bundle per entrypoint
# (scripts/build.mjs, esbuild) and the console's pages (Vite).
FROM ${NODE_IMAGE} AS build
WORKDIR /src
RUN npm install --global --no-fund --no-audit pnpm@10.34.8
COPY pnpm-workspace.yaml pnpm-lock.yaml package.json tsconfig.base.json ./
COPY patches ./patches
COPY packages ./packages
COPY services ./services
COPY test/package.json ./test/package.json
COPY bench/package.json ./bench/package.json
RUN pnpm install --frozen-lockfile
COPY data ./data
COPY scripts/build.mjs scripts/source-maps.mjs scripts/bundle-names.mjs scripts/bundle-options.mjs ./scripts/
RUN node scripts/build.mjs --clean

# Run: node and the bundles, no node_modules (but playwright-core beside the projection's bundle, scripts/build.mjs'
# SHIPPED), no TypeScript, no package manager; a user without privileges.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# The bundles keep the depth of their sources (services/<name>/dist/main.js): files found relative to the code
# (data/…, the console's dist/static) are at the same places as in the repository.
COPY --from=build /src/services/intake-api/dist ./services/intake-api/dist
COPY --from=build /src/services/dispatch-worker/dist ./services/dispatch-worker/dist
COPY --from=build /src/services/projection/dist ./services/projection/dist
COPY --from=build /src/services/notifier/dist ./services/notifier/dist
COPY --from=build /src/services/console/dist ./services/console/dist
COPY --from=build /src/packages/kafka/dist ./packages/kafka/dist
COPY --from=build /src/packages/auth/dist ./packages/auth/dist
COPY --from=build /src/packages/redis/dist ./packages/redis/dist
COPY --from=build /src/packages/importer/dist ./packages/importer/dist
COPY data ./data
COPY infra/topics.json infra/services.json ./infra/
COPY scripts/healthcheck.mjs ./scripts/healthcheck.mjs
# The node image's own unprivileged user (uid 1000); the files above stay root's, read-only to it.
USER node
ARG SERVICE=intake-api
ENV SERVICE=${SERVICE}
# The running service's /readyz, on the port its variable names (scripts/healthcheck.mjs).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["node", "scripts/healthcheck.mjs"]
# exec: node itself is the process that receives SIGTERM (docker stop) and shuts down cleanly.
CMD ["sh", "-c", "exec node --enable-source-maps services/${SERVICE}/dist/main.js"]

# The projection's image: the runtime above with Debian's Chromium (CHROMIUM_PATH's default, /usr/bin/chromium) and
# the CJK font its bulletin PDFs are printed with; installed as root, run as the same unprivileged user. The other
# services do without the ~300 MB. Chromium runs without its sandbox (pdf-printer.ts): the container is the boundary,
# its pages run no script and fetch nothing.
FROM runtime AS projection
USER root
RUN apt-get update \
  && apt-get install --yes --no-install-recommends chromium fonts-wqy-microhei \
  && rm -rf /var/lib/apt/lists/*
USER node
ENV SERVICE=projection CHROMIUM_PATH=/usr/bin/chromium
