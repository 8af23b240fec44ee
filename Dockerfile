# Strata for Deno: single-file build in one stage, a small non-root runtime in the next.
#
#   docker build -t strata .
#   docker run -p 127.0.0.1:8765:8765 -v strata-data:/data strata
#
# Personal mode (the default) is unauthenticated: the container binds 0.0.0.0 *inside* its own
# network namespace, which needs the explicit opt-in STRATA_ALLOW_REMOTE_CLIENTS_IN_PERSONAL=true.
# Publish the port on the host's loopback only (-p 127.0.0.1:8765:8765) so it stays personal.
# For a team, run service mode behind an authenticating proxy: see docker-compose.service.yml and
# docs/deploy.md.

ARG DENO_VERSION=2.9.6

FROM denoland/deno:${DENO_VERSION} AS build
WORKDIR /src
# Dependencies first, so editing code does not re-download npm packages.
COPY deno.json deno.lock ./
RUN deno install --frozen
COPY . .
RUN deno run --allow-all scripts/build.ts --out /out

FROM denoland/deno:${DENO_VERSION}
LABEL org.opencontainers.image.title="Strata for Deno" \
      org.opencontainers.image.description="Content-addressed reactive TypeScript notebook server"
# The image's unprivileged `deno` user (uid 1993) owns the data volume; nothing runs as root.
RUN mkdir -p /data && chown deno:deno /data
WORKDIR /app
COPY --from=build --chown=root:root /out /app/dist
ENV STRATA_DATA_DIR=/data \
    STRATA_NOTEBOOK_STORAGE_DIR=/data/notebooks \
    STRATA_HOST=0.0.0.0 \
    STRATA_PORT=8765 \
    STRATA_ALLOW_REMOTE_CLIENTS_IN_PERSONAL=true \
    DENO_DIR=/data/deno-cache \
    HOME=/data \
    NO_COLOR=1
VOLUME ["/data"]
USER deno
EXPOSE 8765
# /health is liveness without I/O; deno eval is in the image (no curl needed).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["deno", "eval", "const r = await fetch('http://127.0.0.1:8765/health'); Deno.exit(r.ok ? 0 : 1)"]
# The launcher only reads its config and re-runs itself under the narrow permission set the
# config needs (net = listen address + configured services, read/write = /data and /app/dist,
# run = deno and kill(1)); cells run in children with their own per-cell permissions.
ENTRYPOINT ["deno", "run", "--no-config", "--allow-read", "--allow-env", "--allow-run", "--allow-sys=osRelease,uid", "/app/dist/strata.js"]
CMD ["serve"]
