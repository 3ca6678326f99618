# syntax=docker/dockerfile:1
# Multi-stage build: compile with dev dependencies, run with production ones only, as non-root.
# Node 26, the current LTS line (package.json engines: what the dependencies require).
FROM node:26-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.migrations.json nest-cli.json ./
COPY src ./src
COPY migrations ./migrations
# The operator console's sources and the build's own scripts (the console is bundled into dist/).
COPY console ./console
COPY scripts ./scripts
RUN npm run build

FROM node:26-bookworm-slim AS runtime
# The heap budget `npm run start:prod` uses (README, "Heap sizing"): it also makes V8 collect
# before the heap grows to 4x its live size. Override with `-e NODE_OPTIONS=...`.
ENV NODE_ENV=production \
    PORT=3000 \
    NODE_OPTIONS=--max-old-space-size=512
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The evidence archive's default folder (EVIDENCE_DIR), writable by the runtime user; mount a
# volume there (docker-compose.yml does) or use EVIDENCE_STORE=s3.
RUN mkdir -p /data/evidence && chown node:node /data/evidence
ENV EVIDENCE_DIR=/data/evidence
VOLUME ["/data/evidence"]
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Pending migrations are applied at start under an advisory lock (safe with many replicas).
CMD ["node", "dist/main.js"]
