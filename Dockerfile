# syntax=docker/dockerfile:1
# One image for every part of the production stack (docker-compose.yml and deploy/k8s/ pick the
# part by command): the gateway (default), or the demo's backends / subgraphs (subgraphs/dev.ts).
# Three stages: the explorer's static files are built with the dev packages, the runtime gets the
# production packages only, and runs as the unprivileged `node` user.

# 1. The explorer page (dist/explorer/): needs esbuild, React and GraphiQL, which are dev packages.
FROM node:20-bookworm-slim AS explorer
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY scripts/build-explorer.mjs scripts/
COPY gateway/explorer-ui gateway/explorer-ui
RUN TOLLGATE_EXPLORER_BUILD_STRICT=1 node scripts/build-explorer.mjs

# 2. Production dependencies only (no install scripts: none of them needs one).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# 3. The runtime: files owned by root and read-only to the process, which runs as `node` (uid 1000).
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json supergraph.yaml ./
COPY bin ./bin
COPY gateway/src ./gateway/src
COPY subgraphs ./subgraphs
COPY deploy/gateway.yaml ./deploy/gateway.yaml
COPY --from=explorer /app/dist ./dist
USER node
EXPOSE 4000
# No HEALTHCHECK here: the image runs three different parts; docker-compose.yml and the k8s
# probes check each. node itself, not npm, so SIGTERM reaches the gateway and it drains.
CMD ["node", "bin/tollgate.mjs", "serve", "--config", "deploy/gateway.yaml"]
