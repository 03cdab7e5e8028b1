#!/usr/bin/env bash
# Checks a deployment from outside, through CloudFront (the regions' load
# balancers serve CloudFront only): in every region, /healthz answers from
# that region and a health check is written (POST /api/health-checks, 201
# with the region and the writer that took it), so a deployment whose
# writes fail somewhere does not pass; the site answers at www and the apex.
#
# Usage: scripts/verify-deployment.sh [--domain D] [--cdn-name N] [--connect-to HOST:PORT] [--insecure]
#   --domain      apex name (hyundai-poc.com)
#   --cdn-name    CloudFront name (www.DOMAIN); a region is www.DOMAIN/_region/REGION/
#   --connect-to  send every request to HOST:PORT whatever the name (a test server)
#   --insecure    accept any certificate (a test server's)
# Env:   HEALTH_CHECK_TOKEN, the operator token POST /api/health-checks requires (make deploy
#        reads it from the database secret); without it the write checks fail.
# Exits 1 naming every check that failed.
set -uo pipefail

DOMAIN=hyundai-poc.com
CDN=""
CONNECT=()
INSECURE=()
REGIONS=(us-east-1 us-west-2 ap-northeast-2)
while [ $# -gt 0 ]; do
  case "$1" in
    --domain) DOMAIN="${2:?--domain needs a value}"; shift 2 ;;
    --cdn-name) CDN="${2:?--cdn-name needs a value}"; shift 2 ;;
    --connect-to) CONNECT=(--connect-to "::${2:?--connect-to needs HOST:PORT}"); shift 2 ;;
    --insecure) INSECURE=(--insecure); shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "verify: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
CDN="${CDN:-www.$DOMAIN}"
RUN_ID="verify-$(date +%s)-$$"

failed=()
get() { # get URL -> body on stdout; fails on non-2xx
  curl --silent --show-error --fail --max-time 10 --retry 2 --retry-delay 2 \
    "${CONNECT[@]}" "${INSECURE[@]}" "$1"
}
check() { # check NAME COMMAND...
  local name="$1"; shift
  if out="$("$@" 2>&1)"; then
    echo "ok    $name"
  else
    echo "FAIL  $name: ${out:0:200}"
    failed+=("$name")
  fi
}
region_is() { # region_is URL REGION: the answer's "region" is REGION
  local body got
  body="$(get "$1")" || { echo "$body"; return 1; }
  got="$(printf '%s' "$body" | jq -r '.region // empty' 2>/dev/null)"
  [ "$got" = "$2" ] || { echo "answered region '${got:-none}', want $2"; return 1; }
}
# The token goes to curl in a header file, never on a command line.
AUTH_FILE="$(mktemp)"
trap 'rm -f "$AUTH_FILE"' EXIT
chmod 600 "$AUTH_FILE"
printf 'Authorization: Bearer %s\n' "${HEALTH_CHECK_TOKEN:-}" >"$AUTH_FILE"

writes() { # writes URL REGION: POST a health check; 201 naming REGION and a writer
  local out status body got writer
  [ -n "${HEALTH_CHECK_TOKEN:-}" ] || { echo "HEALTH_CHECK_TOKEN is not set"; return 1; }
  # The key makes a retry of this very request safe (the API replays it).
  out="$(curl --silent --show-error --max-time 15 --retry 2 --retry-delay 2 --retry-all-errors \
    "${CONNECT[@]}" "${INSECURE[@]}" -X POST -H 'Content-Type: application/json' -H "@$AUTH_FILE" \
    -H "Idempotency-Key: $RUN_ID-$2" --data '{}' --write-out '\n%{http_code}' "$1")" || { echo "$out"; return 1; }
  status="${out##*$'\n'}"
  body="${out%$'\n'*}"
  [ "$status" = 201 ] || { echo "status $status: ${body:0:150}"; return 1; }
  got="$(printf '%s' "$body" | jq -r '.health_check.region // empty' 2>/dev/null)"
  writer="$(printf '%s' "$body" | jq -r '.health_check.writer_node // empty' 2>/dev/null)"
  [ "$got" = "$2" ] && [ -n "$writer" ] || { echo "written as region '${got:-none}' by writer '${writer:-none}', want $2 and a writer"; return 1; }
}

for r in "${REGIONS[@]}"; do
  check "$r /healthz" region_is "https://$CDN/_region/$r/healthz" "$r"
  check "$r POST /api/health-checks" writes "https://$CDN/_region/$r/api/health-checks" "$r"
done
check "CloudFront https://$CDN/" get "https://$CDN/"
check "CloudFront https://$CDN/api/vehicles" get "https://$CDN/api/vehicles"
check "apex https://$DOMAIN/" get "https://$DOMAIN/"

if [ ${#failed[@]} -gt 0 ]; then
  echo "verify: ${#failed[@]} check(s) failed: ${failed[*]}" >&2
  exit 1
fi
echo "verify: all checks passed"
