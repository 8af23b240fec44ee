#!/usr/bin/env bash
# Strata service-mode demo on loopback: Strata behind nginx, which injects two identities.
#
#   http://127.0.0.1:8865  demo-user   scopes: notebook:read notebook:write notebook:execute
#   http://127.0.0.1:8866  demo-admin  scopes: admin:* notebook:*
#
# Both act for tenant demo-team. Strata itself listens on 127.0.0.1:8765 and answers 401 to
# anything that does not carry the proxy token, which only nginx knows. Ctrl-C stops both.
#
# Settings (environment): STRATA_DEMO_DIR (state, default /tmp/strata-demo), STRATA_DEMO_PORT
# (8765), STRATA_DEMO_USER_PORT (8865), STRATA_DEMO_ADMIN_PORT (8866), NGINX (nginx binary).
# Extra STRATA_* settings pass through to Strata, e.g. STRATA_ACL_CONFIG='{"default":"allow"}'.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
state=${STRATA_DEMO_DIR:-/tmp/strata-demo}
strata_port=${STRATA_DEMO_PORT:-8765}
user_port=${STRATA_DEMO_USER_PORT:-8865}
admin_port=${STRATA_DEMO_ADMIN_PORT:-8866}
tenant=demo-team

nginx_bin=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
if [ ! -x "$nginx_bin" ]; then
  echo "run-demo.sh: nginx not found; install it (Debian: apt-get install nginx-light)" >&2
  exit 1
fi

mkdir -p "$state/nginx" "$state/data" "$state/notebooks" "$state/artifacts"
chmod 755 "$state" "$state/nginx" # nginx workers may run as another user
# Secrets are made once and kept (0600): a restart keeps the audit chain verifiable.
secret() {
  local file="$state/$1"
  if [ ! -s "$file" ]; then
    (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$file")
  fi
  cat "$file"
}
token=$(secret proxy.token)
audit_key=$(secret audit.key)

sed -e "s|@PREFIX@|$state/nginx|g" \
  -e "s|@USER_PORT@|$user_port|g" \
  -e "s|@ADMIN_PORT@|$admin_port|g" \
  -e "s|@UPSTREAM@|127.0.0.1:$strata_port|g" \
  -e "s|@PROXY_TOKEN@|$token|g" \
  -e "s|@TENANT@|$tenant|g" \
  "$here/strata-demo.conf" >"$state/nginx/nginx.conf"
chmod 600 "$state/nginx/nginx.conf" # it holds the token; the nginx master (not workers) reads it

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

(
  cd "$repo"
  exec env STRATA_DEPLOYMENT_MODE=service \
    STRATA_AUTH_MODE=trusted_proxy \
    STRATA_PROXY_TOKEN="$token" \
    STRATA_AUDIT_HMAC_KEY="$audit_key" \
    STRATA_MULTI_TENANT_ENABLED=true \
    STRATA_REQUIRE_TENANT_HEADER=true \
    STRATA_TENANT_HEADER=X-Tenant-ID \
    STRATA_HOST=127.0.0.1 \
    STRATA_PORT="$strata_port" \
    STRATA_DATA_DIR="$state/data" \
    STRATA_NOTEBOOK_STORAGE_DIR="$state/notebooks" \
    STRATA_ARTIFACT_DIR="$state/artifacts" \
    scripts/deno run --allow-read --allow-env --allow-run --allow-sys=osRelease,uid main.ts serve
) &
pids+=($!)

for _ in $(seq 1 300); do
  if curl -fsS "http://127.0.0.1:$strata_port/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "${pids[0]}" 2>/dev/null; then
    echo "run-demo.sh: Strata exited during start" >&2
    exit 1
  fi
  sleep 0.2
done

"$nginx_bin" -p "$state/nginx/" -e "$state/nginx/error.log" -c "$state/nginx/nginx.conf" \
  -g 'daemon off;' &
pids+=($!)

cat <<MSG

Strata service-mode demo is running (state in $state):
  user  view: http://127.0.0.1:$user_port   (demo-user: notebook:read notebook:write notebook:execute)
  admin view: http://127.0.0.1:$admin_port   (demo-admin: admin:* notebook:*)
  Strata itself: http://127.0.0.1:$strata_port (401 without the proxy token)

Try:
  curl -s -XPOST localhost:$user_port/v1/notebooks/create -H 'content-type: application/json' -d '{"name":"hello"}'
  curl -s localhost:$admin_port/v1/admin/tenants
  curl -s localhost:$user_port/v1/admin/tenants            # 403: demo-user has no admin scope
  curl -s localhost:$strata_port/v1/admin/tenants -H 'X-Strata-Principal: me'   # 401: no token
Ctrl-C stops both.
MSG

wait -n "${pids[@]}"
