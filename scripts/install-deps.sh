#!/usr/bin/env bash
# Installs what the tests and the lab need from Debian's packages, once:
#   mariadb-server mariadb-client  real database servers for tests and the lab
#   redis-server                   the durable write queue's server for tests, the lab and compose
#   chromium fonts-nanum           the browser for the frontend's browser tests, with Korean glyphs
#   dnsutils curl jq               for scripts/test-dns.sh, verify-deployment.sh and their tests
#   haproxy                        the proxy peer `make compare` runs in front of the writer candidates
# Usage: scripts/install-deps.sh [mariadb] [redis] [chromium] [scripts] [haproxy]   (no argument: all)
# Runs quickly and changes nothing when everything is already there.
set -euo pipefail

want=("$@")
[ ${#want[@]} -gt 0 ] || want=(mariadb redis chromium scripts haproxy)

missing=()
for w in "${want[@]}"; do
  case "$w" in
    mariadb)
      if ! { command -v mariadbd || [ -x /usr/sbin/mariadbd ]; } >/dev/null 2>&1 \
         || ! command -v mariadb-install-db >/dev/null 2>&1; then
        missing+=(mariadb-server mariadb-client)
      fi ;;
    redis)
      { command -v redis-server || [ -x /usr/bin/redis-server ]; } >/dev/null 2>&1 || missing+=(redis-server) ;;
    chromium)
      command -v chromium >/dev/null 2>&1 || missing+=(chromium)
      # Korean glyphs, so the KR market's pages render in the browser tests' screenshots.
      { command -v fc-list >/dev/null 2>&1 && fc-list :lang=ko | grep -q .; } || missing+=(fonts-nanum) ;;
    scripts)
      command -v dig >/dev/null 2>&1 || missing+=(dnsutils)
      command -v curl >/dev/null 2>&1 || missing+=(curl)
      command -v jq >/dev/null 2>&1 || missing+=(jq) ;;
    haproxy)
      { command -v haproxy || [ -x /usr/sbin/haproxy ]; } >/dev/null 2>&1 || missing+=(haproxy) ;;
    *) echo "install-deps: unknown component '$w' (want mariadb, redis, chromium, scripts or haproxy)" >&2; exit 2 ;;
  esac
done

[ ${#missing[@]} -gt 0 ] || exit 0

if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing ${missing[*]}; run as root, or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]} from Debian packages (about 30 s)..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
