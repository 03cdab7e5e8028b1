#!/usr/bin/env bash
# Latency matrix with curl: p50 and p95 of whole requests, and the median
# DNS, connect, TLS and first-byte times, each request on a new connection.
#
# Usage:
#   scripts/test-latency.sh [-n N] [--edge URL]   the lab: Seoul (KR), Virginia (US-VA) and
#                                                 Oregon (US-OR) to each region through the edge
#                                                 (default http://127.0.0.1:8080)
#   scripts/test-latency.sh [-n N] URL...         any URLs, e.g. the AWS regions' sites, from here
#   scripts/test-latency.sh [-n N] --aws          the AWS sites from terraform output (regions, CloudFront)
# bin/evidence latency measures the same with more detail and writes JSON; on AWS it also
# measures from inside each region.
set -uo pipefail

N=20
EDGE="http://127.0.0.1:8080"
PATH_="/api/vehicles"
urls=()
aws=0
while [ $# -gt 0 ]; do
  case "$1" in
    -n) N="${2:?-n needs a number}"; shift 2 ;;
    --edge) EDGE="${2:?--edge needs a URL}"; shift 2 ;;
    --path) PATH_="${2:?--path needs a path}"; shift 2 ;;
    --aws) aws=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) echo "test-latency: unknown option '$1'" >&2; exit 2 ;;
    *) urls+=("$1"); shift ;;
  esac
done
[[ "$N" =~ ^[1-9][0-9]*$ ]] || { echo "test-latency: -n must be a positive number" >&2; exit 2; }
command -v curl >/dev/null || { echo "test-latency: curl is not installed (scripts/install-deps.sh scripts)" >&2; exit 1; }

if [ "$aws" = 1 ]; then
  command -v terraform >/dev/null || { echo "test-latency: --aws needs terraform (or pass the URLs)" >&2; exit 1; }
  command -v jq >/dev/null || { echo "test-latency: --aws needs jq" >&2; exit 1; }
  out="$(terraform -chdir="$(dirname "$0")/../deploy/terraform/poc" output -json)" || { echo "test-latency: no terraform outputs: deploy first" >&2; exit 1; }
  mapfile -t urls < <(jq -r '.regions.value[].url, .cloudfront_url.value' <<<"$out")
fi

# measure NAME URL [HEADER] -> one table row
measure() {
  local name="$1" url="$2" header="${3:-}" failed=0 i line
  local -a args=(-sS -o /dev/null --max-time 10 -H 'Connection: close' -w '%{http_code} %{time_namelookup} %{time_connect} %{time_appconnect} %{time_starttransfer} %{time_total}\n')
  [ -n "$header" ] && args+=(-H "$header")
  curl "${args[@]}" "$url" >/dev/null 2>&1 # warm-up, not counted
  local samples=""
  for ((i = 0; i < N; i++)); do
    line="$(curl "${args[@]}" "$url" 2>/dev/null)" || { failed=$((failed + 1)); continue; }
    case "$line" in 2??\ *) samples+="$line"$'\n' ;; *) failed=$((failed + 1)) ;; esac
  done
  if [ -z "$samples" ]; then
    printf '%-28s %8s %8s %8s %8s %8s %8s %6d\n' "$name" - - - - - - "$failed"
    return
  fi
  # curl's times are cumulative from the start: DNS = namelookup, connect =
  # connect - namelookup, TLS = appconnect - connect (0 without TLS), first
  # byte = starttransfer - (appconnect or connect). One line per request:
  # total dns connect tls first-byte, in ms.
  local phases
  phases="$(awk '{ pre = ($4 > 0 ? $4 : $3); tls = ($4 > 0 ? ($4 - $3) * 1000 : 0)
    printf "%.3f %.3f %.3f %.3f %.3f\n", $6 * 1000, $2 * 1000, ($3 - $2) * 1000, tls, ($5 - pre) * 1000 }' <<<"$samples")"
  printf '%-28s %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f %6d\n' "$name" "$(pct 1 .50 <<<"$phases")" "$(pct 1 .95 <<<"$phases")" \
    "$(pct 2 .50 <<<"$phases")" "$(pct 3 .50 <<<"$phases")" "$(pct 4 .50 <<<"$phases")" "$(pct 5 .50 <<<"$phases")" "$failed"
}

# pct COLUMN P: nearest-rank percentile of a column of numbers on stdin.
pct() {
  cut -d' ' -f"$1" | sort -n | awk -v p="$2" '{ a[NR] = $1 } END { k = int(p * NR + 0.999999); if (k < 1) k = 1; print a[k] }'
}

if [ ${#urls[@]} -eq 0 ]; then
  curl -sf --max-time 3 -o /dev/null "$EDGE/_edge/route" || { echo "test-latency: no lab answers at $EDGE: start one with make lab, or pass --edge or URLs" >&2; exit 1; }
fi
printf '%-28s %8s %8s %8s %8s %8s %8s %6s\n' "from -> to" "p50 ms" "p95 ms" "dns" "connect" "tls" "1st byte" "failed"
if [ ${#urls[@]} -gt 0 ]; then
  for u in "${urls[@]}"; do
    measure "here -> ${u#*://}" "${u%/}$PATH_"
  done
else
  for from in "Seoul KR" "Virginia US-VA" "Oregon US-OR"; do
    set -- $from
    for r in us-east-1 us-west-2 ap-northeast-2; do
      measure "$1 -> $r" "$EDGE/_region/$r$PATH_" "X-Client-Location: $2"
    done
  done
  echo "(lab: the inter-region part is the delay configured in deploy/lab/rtt.json, not a measurement)"
fi
