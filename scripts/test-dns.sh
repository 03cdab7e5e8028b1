#!/usr/bin/env bash
# Asks the zone's authoritative servers for the geolocation name CloudFront
# uses as its origin (origin.DOMAIN) as resolvers in Korea, the eastern US
# and the western US would (EDNS0 client-subnet), and checks each answer is
# that market's region: it must share an address with the region's own
# origin name (REGION.origin.DOMAIN) asked the same way.
#
# Usage: scripts/test-dns.sh [--domain D] [--server HOST] [--port PORT]
#   --server/--port  ask this server instead of the zone's NS (a test DNS)
# Subnets (override by env): SUBNET_KR (175.223.0.0/24, KT mobile, Seoul),
# SUBNET_US_EAST (3.80.0.0/24, Virginia), SUBNET_US_WEST (34.208.0.0/24, Oregon).
set -uo pipefail

DOMAIN=hyundai-poc.com
SERVER=""
PORT=53
while [ $# -gt 0 ]; do
  case "$1" in
    --domain) DOMAIN="${2:?--domain needs a value}"; shift 2 ;;
    --server) SERVER="${2:?--server needs a host}"; shift 2 ;;
    --port) PORT="${2:?--port needs a number}"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "test-dns: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
command -v dig >/dev/null || { echo "test-dns: dig is not installed (scripts/install-deps.sh scripts)" >&2; exit 1; }
[[ "$PORT" =~ ^[0-9]+$ ]] || { echo "test-dns: --port must be a number" >&2; exit 2; }

if [ -z "$SERVER" ]; then
  # The zone's own servers: geolocation is decided there, not by a resolver's cache.
  SERVER="$(dig +short NS "$DOMAIN" | head -n1)"
  SERVER="${SERVER%.}"
  [ -n "$SERVER" ] || { echo "test-dns: no NS records for $DOMAIN" >&2; exit 1; }
fi

ask() { # ask NAME SUBNET -> sorted A records
  dig +short +norecurse +time=3 +tries=2 "+subnet=$2" -p "$PORT" "@$SERVER" "$1" A | grep -E '^[0-9.]+$' | sort
}

cases=(
  "Korea|${SUBNET_KR:-175.223.0.0/24}|ap-northeast-2"
  "US east|${SUBNET_US_EAST:-3.80.0.0/24}|us-east-1"
  "US west|${SUBNET_US_WEST:-34.208.0.0/24}|us-west-2"
)
failed=0
echo "asking $SERVER:$PORT for origin.$DOMAIN"
for c in "${cases[@]}"; do
  IFS='|' read -r market subnet want <<<"$c"
  apex="$(ask "origin.$DOMAIN" "$subnet")"
  region="$(ask "$want.origin.$DOMAIN" "$subnet")"
  if [ -z "$apex" ]; then
    echo "FAIL  $market ($subnet): no answer for origin.$DOMAIN"; failed=1; continue
  fi
  if [ -n "$region" ] && [ -n "$(comm -12 <(echo "$apex") <(echo "$region"))" ]; then
    echo "ok    $market ($subnet) -> $want ($(echo $apex | tr '\n' ' '))"
  else
    echo "FAIL  $market ($subnet) -> $(echo $apex | tr '\n' ' '), want $want ($(echo $region | tr '\n' ' '))"
    failed=1
  fi
done
exit $failed
