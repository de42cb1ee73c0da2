# One image for the services; SERVICE picks which one runs.
# Node 24 LTS, the same release that scripts/lib.sh installs (NODE_VERSION).
FROM node:24.22.3-bookworm-slim
WORKDIR /app
RUN npm install --global --no-fund --no-audit pnpm@10.34.8
COPY pnpm-workspace.yaml pnpm-lock.yaml package.json tsconfig.base.json ./
COPY patches ./patches
COPY packages ./packages
COPY services ./services
COPY data ./data
COPY test/package.json ./test/package.json
RUN pnpm install --frozen-lockfile --prod=false
ENV NODE_ENV=production
ARG SERVICE=intake-api
ENV SERVICE=${SERVICE}
CMD ["sh", "-c", "exec node --import tsx services/${SERVICE}/src/main.ts"]
