#!/usr/bin/env bash
# Installs the system packages the test suite drives as real clients and peers.
# Idempotent: installs only what is missing. Needs root (or sudo) and Debian/Ubuntu.
set -euo pipefail

# util-linux (unshare) and mount let the e2e tests run those clients in a private mount namespace.
# slapd and ldap-utils: the LDAP tests run their own OpenLDAP server (test/fixtures/slapd.ts), never the system one.
# chromium: the portal's end-to-end tests (server/test/e2e/portal.test.ts) drive it headless through playwright-core;
# fonts-wqy-zenhei gives its screenshots Chinese and Japanese glyphs.
# nodejs: the distribution's Node, older than Berth needs: the launcher must still run on the pinned Node when it is
# first on PATH (server/test/e2e/cli.test.ts).
# docker-registry: CNCF distribution, the oracle garbage collection is compared with (server/test/fixtures/distribution.ts).
# docker-compose: the compose files' schema check (server/test/deploy/container-lint.test.ts); unzip: helm and kubectl
# from the lambda-layer-kubectl npm package (server/test/deploy/helm.test.ts).
# nginx, haproxy, openssl and iproute2: server/test/ha runs its own nginx and HAProxy (never the system services) in network
# namespaces (ip netns) in front of two replicas, with TLS from a test CA made with openssl.
packages=(skopeo podman buildah curl util-linux mount slapd ldap-utils chromium fonts-wqy-zenhei nodejs docker-registry docker-compose unzip nginx haproxy openssl iproute2)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]} == 0)); then exit 0; fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing test dependencies: ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
