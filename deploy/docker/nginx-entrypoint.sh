#!/bin/sh
# Renders deploy/nginx/strata-demo.conf (a template with @NAME@ markers) for the compose demo and
# runs nginx in the foreground. The template listens on 127.0.0.1 for host use; inside a
# container nginx must listen on all interfaces of its own namespace to receive published ports.
set -eu
prefix=/tmp/nginx
mkdir -p "$prefix"
sed \
  -e "s|@PREFIX@|$prefix|g" \
  -e "s|@USER_PORT@|${USER_PORT:-8865}|g" \
  -e "s|@ADMIN_PORT@|${ADMIN_PORT:-8866}|g" \
  -e "s|@UPSTREAM@|${UPSTREAM:-strata:8765}|g" \
  -e "s|@PROXY_TOKEN@|${STRATA_PROXY_TOKEN:?set STRATA_PROXY_TOKEN}|g" \
  -e "s|@TENANT@|${TENANT:-demo-team}|g" \
  -e "s|listen 127\.0\.0\.1:|listen 0.0.0.0:|g" \
  /etc/strata/strata-demo.conf > "$prefix/nginx.conf"
exec nginx -c "$prefix/nginx.conf" -g "daemon off;"
