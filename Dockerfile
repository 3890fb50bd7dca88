# One image for every part of the demo stack; docker-compose.yml picks the part per service.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# `prepare` runs it; without the dev packages it builds nothing and says so (the explorer is off
# under NODE_ENV=production anyway).
COPY scripts/build-explorer.mjs scripts/
RUN npm ci --omit=dev
COPY . .
ENV NODE_ENV=production
EXPOSE 4000
CMD ["node", "bin/tollgate.mjs", "serve", "--config", "gateway/gateway.docker.yaml"]
