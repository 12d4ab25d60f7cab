#!/usr/bin/env bash
# Installs what the test suites need beyond `make run`'s prerequisites: the Kerberos headers
# the sparkmagic client builds against (libkrb5-dev), chromium and chromium-driver for the web
# UI's browser tests, etcd-server, openssl and curl for the Kubernetes test cluster
# (scripts/k8s-test-cluster.sh), Maven and a JDK for the YARN test cluster, RabbitMQ (Debian) and FerretDB (a MongoDB
# wire-protocol server, built with Go). Idempotent: installs only what is missing, so `make test`
# runs it every time. RabbitMQ and FerretDB are skipped when LIGHTER_TEST_RABBITMQ_URL /
# LIGHTER_TEST_MONGO_URL name servers already running.
set -euo pipefail

need_apt=()
command -v krb5-config >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jre-headless)
# The web UI's browser tests: Debian's browser and its WebDriver (Selenium downloads nothing).
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
# The Kubernetes test cluster: Debian's etcd (3.4) under the API server, openssl for its keys,
# curl for its health checks.
command -v etcd >/dev/null 2>&1 || need_apt+=(etcd-server)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
# The YARN test cluster (scripts/yarn-test-cluster.sh): Maven fetches its jars, and its Java
# launcher runs from source, which takes a JDK.
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
command -v javac >/dev/null 2>&1 || need_apt+=(openjdk-17-jdk-headless)
if [ -z "${LIGHTER_TEST_RABBITMQ_URL:-}" ]; then
  command -v rabbitmq-server >/dev/null 2>&1 || need_apt+=(rabbitmq-server)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    echo "The test suites need these Debian packages: ${need_apt[*]}" >&2
    echo "Install them as root: apt-get install -y ${need_apt[*]}" >&2
    exit 1
  fi
  echo "installing ${need_apt[*]}"
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ -z "${LIGHTER_TEST_MONGO_URL:-}" ]; then
  # FerretDB v1's main package reads its version from build/version/version.txt, which the
  # module archive lacks: a plain `go install` builds a binary that panics at start. Build it
  # from the module source with that file in place.
  gobin="$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin"
  ferretdb_works() { "$1" --version >/dev/null 2>&1; }
  if ! { command -v ferretdb >/dev/null 2>&1 && ferretdb_works ferretdb; } && ! ferretdb_works "$gobin/ferretdb"; then
    if ! command -v go >/dev/null 2>&1; then
      echo "FerretDB (the tests' MongoDB-protocol server) is built with Go 1.22+, which is missing:" >&2
      echo "install Go (https://go.dev/doc/install), or set LIGHTER_TEST_MONGO_URL to a MongoDB you run" >&2
      exit 1
    fi
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
fi
