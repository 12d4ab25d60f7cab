#!/usr/bin/env bash
# Installs what the test suites talk to: RabbitMQ (Debian), FerretDB (a MongoDB wire-protocol
# server, built with Go), the Kerberos headers sparkmagic's client needs, and uv.
set -euo pipefail

need_apt=()
command -v rabbitmq-server >/dev/null 2>&1 || need_apt+=(rabbitmq-server)
command -v krb5-config >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jre-headless)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# FerretDB v1's main package reads its version from build/version/version.txt, which the
# module archive lacks: a plain `go install` builds a binary that panics at start. Build it
# from the module source with that file in place.
gobin="$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin"
ferretdb_works() { "$1" --version >/dev/null 2>&1; }
if ! { command -v ferretdb >/dev/null 2>&1 && ferretdb_works ferretdb; } && ! ferretdb_works "$gobin/ferretdb"; then
  echo "building FerretDB v1.24.2"
  src="$(go mod download -json github.com/FerretDB/FerretDB@v1.24.2 | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  build="$(mktemp -d)"
  cp -r "$src/." "$build"
  chmod -R u+w "$build"
  echo v1.24.2 > "$build/build/version/version.txt"
  mkdir -p "$gobin"
  (cd "$build" && go build -o "$gobin/ferretdb" ./cmd/ferretdb)
  rm -rf "$build"
fi

if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet uv
fi
