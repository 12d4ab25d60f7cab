#!/usr/bin/env bash
# A real Kubernetes control plane for the tests: etcd + kube-apiserver + kwok (playing the node).
#
#   scripts/k8s-test-cluster.sh build            build (once) and cache the binaries by version
#   scripts/k8s-test-cluster.sh start STATE_DIR  start the cluster, print the kubeconfig's path
#   scripts/k8s-test-cluster.sh stop STATE_DIR   stop what `start` started (by PID)
#   scripts/k8s-test-cluster.sh bin-dir          print where the binaries are cached
#
# kube-apiserver and kubectl are built from the Go module proxy through a small wrapper module
# that requires k8s.io/kubernetes and points its k8s.io/* staging modules at their published
# versions. The binaries are cached under ~/.cache/lighter/k8s/<version>/ (outside the clone),
# so only the first build pays (~25 CPU-minutes: 15-55 minutes on 2 cores). etcd comes from Debian's
# etcd-server (scripts/install-test-services.sh installs it); kwok from its module.
set -euo pipefail

K8S_VERSION="${LIGHTER_K8S_VERSION:-v1.37.2}"
KWOK_VERSION="${LIGHTER_KWOK_VERSION:-v0.8.0}"
STAGING_VERSION="v0.${K8S_VERSION#v1.}"
CACHE_ROOT="${LIGHTER_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lighter/k8s}"
BIN_DIR="$CACHE_ROOT/$K8S_VERSION"
NODE_NAME="kwok-node"
export PATH="$HOME/go/bin:$PATH"

log() { echo "k8s-test-cluster: $*" >&2; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

build_wrapper_module() {
    local dir="$1"
    mkdir -p "$dir"
    local gomod
    gomod="$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')"
    {
        echo "module lighter.local/k8s-test-binaries"
        echo
        grep -E '^go ' "$gomod"
        echo
        echo "require k8s.io/kubernetes $K8S_VERSION"
        echo
        echo "replace ("
        # Every staging module k8s.io/kubernetes replaces with ./staging/... is published on its own.
        grep -E '=> \./staging/src/' "$gomod" | awk -v v="$STAGING_VERSION" '{print "\t" $1 " => " $1 " " v}'
        echo ")"
    } >"$dir/go.mod"
    cat >"$dir/tools.go" <<'EOF'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
EOF
    (cd "$dir" && nice -n 19 go mod tidy)
}

version_ldflags() {
    local major="${K8S_VERSION#v}"
    major="${major%%.*}"
    local minor="${K8S_VERSION#v*.}"
    minor="${minor%%.*}"
    local date
    date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    local flags="-s -w"
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        flags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
        flags+=" -X $pkg.gitCommit=0000000000000000000000000000000000000000"
        flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
    done
    echo "$flags"
}

# A line a minute while the first build runs, so that it does not look hung.
# (Short sleeps: killed, it ends within a second and holds no one's output open.)
report_progress() {
    local started=$SECONDS next=$((SECONDS + 60))
    while sleep 1; do
        if ((SECONDS >= next)); then
            log "still building kube-apiserver and kubectl: $(((SECONDS - started) / 60)) min so far"
            next=$((next + 60))
        fi
    done
}

cmd_build() {
    command -v go >/dev/null || {
        log "Go is needed to build the test cluster's binaries: https://go.dev/doc/install"
        exit 1
    }
    mkdir -p "$BIN_DIR"
    # One build at a time (CI starts one early; `make test` then waits for it here).
    exec 9>"$CACHE_ROOT/.build.lock"
    flock 9
    if [[ ! -x "$BIN_DIR/kube-apiserver" || ! -x "$BIN_DIR/kubectl" ]]; then
        local work="$CACHE_ROOT/build-$K8S_VERSION"
        log "building kube-apiserver and kubectl $K8S_VERSION in $work (first time only: 15-55 minutes on 2 cores)"
        report_progress &
        progress_pid=$!
        trap 'kill "$progress_pid" 2>/dev/null' EXIT
        build_wrapper_module "$work"
        local ldflags out="$BIN_DIR/.build-$$"
        ldflags="$(version_ldflags)"
        mkdir -p "$out"
        # One invocation: the two commands share most packages, and the linker runs once per
        # command in parallel. No cgo: nothing here needs it, and it spares a C toolchain.
        (cd "$work" && CGO_ENABLED=0 GOFLAGS=-mod=mod nice -n 19 go build -trimpath -ldflags "$ldflags" \
            -o "$out/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl)
        mv "$out/kube-apiserver" "$out/kubectl" "$BIN_DIR/"
        rmdir "$out"
        kill "$progress_pid" 2>/dev/null || true
    fi
    if [[ ! -x "$BIN_DIR/kwok" ]]; then
        log "building kwok $KWOK_VERSION"
        GOBIN="$BIN_DIR" CGO_ENABLED=0 nice -n 19 go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
    fi
    [[ -f "$BIN_DIR/kwok-stages/pod-complete.yaml" ]] || copy_kwok_stages
    log "binaries ready in $BIN_DIR"
}

require_binaries() {
    [[ -f "$BIN_DIR/kwok-stages/pod-complete.yaml" ]] || copy_kwok_stages
    for b in kube-apiserver kwok; do
        if [[ ! -e "$BIN_DIR/$b" ]]; then
            log "$BIN_DIR/$b is missing: run 'scripts/k8s-test-cluster.sh build' first"
            exit 1
        fi
    done
    kubectl_bin >/dev/null || {
        log "kubectl is missing: run 'scripts/k8s-test-cluster.sh build' first"
        exit 1
    }
    command -v etcd >/dev/null || {
        log "etcd is missing: install Debian's etcd-server (scripts/install-test-services.sh does)"
        exit 1
    }
}

# The kubectl built with the API server, else one on PATH.
kubectl_bin() {
    if [[ -x "$BIN_DIR/kubectl" ]]; then echo "$BIN_DIR/kubectl"; else command -v kubectl; fi
}

wait_for() {
    local what="$1" deadline=$((SECONDS + $2))
    shift 2
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS > deadline)); then
            log "$what did not become ready; see the logs in $STATE"
            exit 1
        fi
        sleep 0.2
    done
}

copy_kwok_stages() {
    local dir
    dir="$(cd "$CACHE_ROOT" && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
    mkdir -p "$BIN_DIR/kwok-stages"
    cp "$dir/kustomize/stage/node/fast/node-initialize.yaml" \
        "$dir/kustomize/stage/pod/fast/pod-ready.yaml" \
        "$dir/kustomize/stage/pod/fast/pod-delete.yaml" "$BIN_DIR/kwok-stages/"
    # kwok's own stage completes the pods of Jobs; here, pods labelled
    # lighter-test-outcome=succeeded (the tests' drivers that end by themselves), after 2 s.
    python3 - "$dir/kustomize/stage/pod/fast/pod-complete.yaml" \
        "$BIN_DIR/kwok-stages/pod-complete.yaml" <<'PY'
import sys
text = open(sys.argv[1]).read()
job = """    - key: '.metadata.ownerReferences.[].kind'
      operator: 'In'
      values:
      - 'Job'
"""
assert job in text, "kwok's pod-complete stage changed: update scripts/k8s-test-cluster.sh"
text = text.replace(job, """    - key: '.metadata.labels["lighter-test-outcome"]'
      operator: 'In'
      values:
      - 'succeeded'
""").replace("  next:\n", "  delay:\n    durationMilliseconds: 2000\n  next:\n", 1)
open(sys.argv[2], "w").write(text)
PY
}

write_kwok_config() {
    # kwok's "fast" stages: a node is ready at once, a pod bound to it runs at once. Tests bind
    # pods to a node kwok does not manage when they drive a pod's status themselves, as a
    # kubelet would. Every container's log is the file $STATE/pod.log, which tests write.
    {
        cat <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: driver-logs
spec:
  logs:
  - logsFile: $STATE/pod.log
EOF
        for stage in "$BIN_DIR"/kwok-stages/*.yaml; do
            echo "---"
            cat "$stage"
        done
    } >"$STATE/kwok.yaml"
    : >>"$STATE/pod.log"
    [[ -f "$STATE/kwok.crt" ]] || openssl req -x509 -newkey rsa:2048 -nodes -days 365 \
        -subj /CN=kwok-node -addext subjectAltName=IP:127.0.0.1 \
        -keyout "$STATE/kwok.key" -out "$STATE/kwok.crt" 2>/dev/null
}

cmd_start() {
    STATE="$(mkdir -p "$1" && cd "$1" && pwd)"
    require_binaries
    local etcd_port etcd_peer api_port kwok_port
    etcd_port="$(free_port)"
    etcd_peer="$(free_port)"
    api_port="$(free_port)"
    kwok_port="$(free_port)"
    echo "$api_port" >"$STATE/api-port"
    mkdir -p "$STATE/etcd" "$STATE/certs"

    etcd --data-dir "$STATE/etcd" \
        --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
        --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
        --initial-cluster "default=http://127.0.0.1:$etcd_peer" --name default \
        >"$STATE/etcd.log" 2>&1 &
    echo $! >"$STATE/etcd.pid"
    echo "$etcd_port" >"$STATE/etcd-port"

    [[ -f "$STATE/sa.key" ]] || openssl genrsa -out "$STATE/sa.key" 2048 2>/dev/null
    openssl rsa -in "$STATE/sa.key" -pubout -out "$STATE/sa.pub" 2>/dev/null
    [[ -f "$STATE/token" ]] || python3 -c 'import secrets; print(secrets.token_hex(16))' >"$STATE/token"
    local token
    token="$(cat "$STATE/token")"
    echo "$token,lighter-test-admin,lighter-test-admin,system:masters" >"$STATE/tokens.csv"

    wait_for etcd 30 curl -fsS "http://127.0.0.1:$etcd_port/health"
    start_apiserver "$etcd_port" "$api_port"

    cat >"$STATE/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: https://127.0.0.1:$api_port
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: $token
contexts:
- name: test
  context: {cluster: test, user: admin, namespace: default}
current-context: test
EOF
    local kubectl=("$(kubectl_bin)" --kubeconfig "$STATE/kubeconfig")
    wait_for kube-apiserver 60 "${kubectl[@]}" get --raw /readyz
    # Without kube-controller-manager nothing creates the default ServiceAccount.
    wait_for "default namespace" 30 "${kubectl[@]}" get namespace default
    "${kubectl[@]}" create serviceaccount default >/dev/null 2>&1 || true

    write_kwok_config
    "$BIN_DIR/kwok" --kubeconfig "$STATE/kubeconfig" --config "$STATE/kwok.yaml" \
        --manage-all-nodes=false --manage-nodes-with-label-selector=type=kwok \
        --node-ip 127.0.0.1 --node-port "$kwok_port" --server-address "127.0.0.1:$kwok_port" \
        --tls-cert-file "$STATE/kwok.crt" --tls-private-key-file "$STATE/kwok.key" \
        >"$STATE/kwok.log" 2>&1 &
    echo $! >"$STATE/kwok.pid"
    "${kubectl[@]}" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $NODE_NAME
  labels: {type: kwok, kubernetes.io/hostname: $NODE_NAME}
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
spec: {}
EOF
    wait_for "kwok node" 30 "${kubectl[@]}" wait --for=condition=Ready "node/$NODE_NAME" --timeout=1s
    echo "$STATE/kubeconfig"
}

# WatchList off: etcd 3.4 cannot serve watch lists, and a client (kwok's, or any informer) that
# asks for one then gets a watch that ends in an error, retried with growing back-off, instead
# of a refusal after which it lists and watches plainly.
start_apiserver() {
    local etcd_port="$1" api_port="$2"
    "$BIN_DIR/kube-apiserver" \
        --etcd-servers "http://127.0.0.1:$etcd_port" \
        --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
        --endpoint-reconciler-type none \
        --cert-dir "$STATE/certs" \
        --token-auth-file "$STATE/tokens.csv" \
        --authorization-mode RBAC \
        --service-account-issuer https://kubernetes.default.svc \
        --service-account-key-file "$STATE/sa.pub" \
        --service-account-signing-key-file "$STATE/sa.key" \
        --service-cluster-ip-range 10.96.0.0/16 \
        --allow-privileged \
        --kubelet-preferred-address-types InternalIP \
        --feature-gates WatchList=false \
        >"$STATE/kube-apiserver.log" 2>&1 &
    echo $! >"$STATE/kube-apiserver.pid"
}

stop_pid_file() {
    local f="$1"
    [[ -f "$f" ]] || return 0
    local pid
    pid="$(cat "$f")"
    if kill "$pid" 2>/dev/null; then
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}

cmd_stop() {
    STATE="$1"
    for p in kwok kube-apiserver etcd; do stop_pid_file "$STATE/$p.pid"; done
}

# Restart only the API server (same port, same etcd): for tests of watches across a restart.
cmd_restart_apiserver() {
    STATE="$(cd "$1" && pwd)"
    stop_pid_file "$STATE/kube-apiserver.pid"
    start_apiserver "$(cat "$STATE/etcd-port")" "$(cat "$STATE/api-port")"
    wait_for kube-apiserver 60 "$(kubectl_bin)" --kubeconfig "$STATE/kubeconfig" get --raw /readyz
}

case "${1:-}" in
build) cmd_build ;;
start) cmd_start "${2:?start needs a state directory}" ;;
stop) cmd_stop "${2:?stop needs a state directory}" ;;
restart-apiserver) cmd_restart_apiserver "${2:?restart-apiserver needs a state directory}" ;;
bin-dir) echo "$BIN_DIR" ;;
*)
    echo "usage: $0 build | start STATE_DIR | stop STATE_DIR | restart-apiserver STATE_DIR | bin-dir" >&2
    exit 2
    ;;
esac
