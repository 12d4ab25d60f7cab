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

gobin="$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin"
if ! command -v ferretdb >/dev/null 2>&1 && [ ! -x "$gobin/ferretdb" ]; then
  echo "building FerretDB"
  go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2
fi

if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet uv
fi
