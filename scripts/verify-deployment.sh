#!/usr/bin/env bash
# Checks a deployment from outside: each region's ALB name answers /healthz
# and /api/region naming that region, and the CloudFront name and the apex
# name answer.
#
# Usage: scripts/verify-deployment.sh [--domain D] [--cdn-name N] [--connect-to HOST:PORT] [--insecure]
#   --domain      apex name (hyundai-poc.com); regions answer at REGION.DOMAIN
#   --cdn-name    CloudFront name (www.DOMAIN)
#   --connect-to  send every request to HOST:PORT whatever the name (a test server)
#   --insecure    accept any certificate (a test server's)
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
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "verify: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
CDN="${CDN:-www.$DOMAIN}"

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
region_is() { # region_is URL REGION: /api/region names REGION
  local body
  body="$(get "$1")" || { echo "$body"; return 1; }
  local got
  got="$(printf '%s' "$body" | jq -r '.region // empty' 2>/dev/null)"
  [ "$got" = "$2" ] || { echo "answered region '${got:-none}', want $2"; return 1; }
}

for r in "${REGIONS[@]}"; do
  check "$r /healthz" get "https://$r.$DOMAIN/healthz"
  check "$r /api/region is $r" region_is "https://$r.$DOMAIN/api/region" "$r"
done
check "apex https://$DOMAIN/healthz" get "https://$DOMAIN/healthz"
check "CloudFront https://$CDN/" get "https://$CDN/"
check "CloudFront https://$CDN/api/region" get "https://$CDN/api/region"

if [ ${#failed[@]} -gt 0 ]; then
  echo "verify: ${#failed[@]} check(s) failed: ${failed[*]}" >&2
  exit 1
fi
echo "verify: all checks passed"
