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
# The server runs as root so that it can start every cell as the unprivileged `strata-cell` user
# (uid 1994, no shell, no home): a cell, even one granted `run`, then cannot read the server's
# /proc/<pid>/environ (proxy token, audit key, secret-manager credentials), its database or its
# artifacts. Drop every capability but those it needs:
#   docker run --cap-drop ALL --cap-add SETUID --cap-add SETGID --cap-add KILL --cap-add CHOWN \
#     --cap-add DAC_OVERRIDE --cap-add FOWNER ...
# Layout of /data, with umask 027 for everything the server creates (see ENTRYPOINT):
#   /data              root 0711  traversable, not listable, by cells
#   /data/notebooks    root:strata-cell 2750  cells read notebook folders (group, inherited)
#   /data/tmp          root 0711  scratch root; each cell's folder is chowned to strata-cell
#   /data/deno-cache   strata-cell 0755  DENO_DIR: cells download their npm/remote imports here
#   everything else (database, artifacts, config)  root, not readable by strata-cell
RUN groupadd --system --gid 1994 strata-cell \
 && useradd --system --uid 1994 --gid 1994 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin strata-cell \
 && mkdir -p /data/notebooks /data/tmp /data/deno-cache \
 && chown root:root /data /data/tmp && chmod 0711 /data /data/tmp \
 && chown root:strata-cell /data/notebooks && chmod 2750 /data/notebooks \
 && chown strata-cell:strata-cell /data/deno-cache && chmod 0755 /data/deno-cache
WORKDIR /app
COPY --from=build --chown=root:root /out /app/dist
ENV STRATA_DATA_DIR=/data \
    STRATA_NOTEBOOK_STORAGE_DIR=/data/notebooks \
    STRATA_HOST=0.0.0.0 \
    STRATA_PORT=8765 \
    STRATA_ALLOW_REMOTE_CLIENTS_IN_PERSONAL=true \
    STRATA_CELL_USER=strata-cell \
    DENO_DIR=/data/deno-cache \
    HOME=/data \
    NO_COLOR=1 \
    DENO_V8_FLAGS=--min-semi-space-size=16,--max-semi-space-size=16
# DENO_V8_FLAGS: a young generation big enough for start-up's garbage (issue 20); the launcher
# passes it on to the server, so both run with the same flags and share the V8 code cache.
VOLUME ["/data"]
USER root
EXPOSE 8765
# /health is liveness without I/O; deno eval is in the image (no curl needed).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["deno", "eval", "const r = await fetch('http://127.0.0.1:8765/health'); Deno.exit(r.ok ? 0 : 1)"]
# The launcher only reads its config and re-runs itself under the narrow permission set the
# config needs (net = listen address + configured services, read/write = /data and /app/dist,
# run = deno and kill(1)); cells run in children with their own per-cell permissions, as
# strata-cell. umask 027: files the server creates are not readable by strata-cell unless their
# folder's group is strata-cell (the notebooks).
ENTRYPOINT ["sh", "-c", "umask 027 && exec deno run --no-config --allow-read --allow-env --allow-run --allow-sys=osRelease,uid /app/dist/strata.js \"$@\"", "strata"]
CMD ["serve"]
