#!/usr/bin/env bash
# A real YARN cluster for the tests: Hadoop's MiniYARNCluster (one ResourceManager, one
# NodeManager) in one JVM, run by scripts/yarn/MiniYarn.java.
#
#   scripts/yarn-test-cluster.sh build              fetch (once) and cache the jars by version
#   scripts/yarn-test-cluster.sh start STATE_DIR [--kerberos]
#                                                   start the cluster, print its HADOOP_CONF_DIR;
#                                                   with a KDC and SPNEGO on its web endpoints,
#                                                   whose krb5.conf and keytab are in STATE_DIR/kdc
#   scripts/yarn-test-cluster.sh stop STATE_DIR     stop what `start` started (by PID)
#   scripts/yarn-test-cluster.sh restart-resourcemanager STATE_DIR
#                                                   restart its ResourceManager, which forgets
#                                                   every application (no recovery)
#   scripts/yarn-test-cluster.sh lib-dir            print where the jars are cached
#
# The jars come from Maven Central (hadoop-client-minicluster and what it loads at run time,
# scripts/yarn/pom.xml; ~115 MB) and are cached under ~/.cache/lighter/yarn/<hadoop version>/,
# outside the clone, so only the first build downloads (~20 s); a changed pom gets a lib dir of its
# own (lib-<digest of the pom>). Hadoop's version is that of
# pyspark's client jars (hadoop-client-api-<version>.jar in pyspark/jars). Needs Java 17+ and Maven.
#
# Spark's own jars need no archive here: the one node is this machine, so submissions name
# pyspark's jars in place (spark.yarn.jars=local:<pyspark>/jars/*). A `file:` spark.yarn.archive
# would be copied into the staging directory on every submission (420 MB for Spark 4.3).
set -euo pipefail

HADOOP_VERSION="${LIGHTER_HADOOP_VERSION:-3.5.0}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_ROOT="${LIGHTER_YARN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lighter/yarn}"
VERSION_DIR="$CACHE_ROOT/$HADOOP_VERSION"
# Keyed by the pom too: a pom that asks for other jars gets a cache of its own.
POM_KEY="$(sha256sum "$HERE/yarn/pom.xml" | cut -c1-12)"
LIB_DIR="$VERSION_DIR/lib-$POM_KEY"
START_TIMEOUT="${LIGHTER_YARN_START_TIMEOUT:-240}"

log() { echo "yarn-test-cluster: $*" >&2; }

# One build at a time (CI starts one early; the tests then wait for it here).
take_build_lock() {
    mkdir -p "$CACHE_ROOT"
    exec 9>"$CACHE_ROOT/.build.lock"
    flock 9
}

cmd_build() {
    for tool in java mvn; do
        command -v "$tool" >/dev/null || {
            log "$tool is needed to build the test cluster (apt-get install openjdk-17-jdk-headless maven)"
            exit 1
        }
    done
    take_build_lock
    if [[ ! -f "$LIB_DIR/.complete" ]]; then
        log "fetching hadoop-client-minicluster $HADOOP_VERSION and its run-time jars into $LIB_DIR (first time only: ~115 MB)"
        local work
        work="$(mktemp -d)"
        cp "$HERE/yarn/pom.xml" "$work/pom.xml"
        rm -rf "$LIB_DIR"
        (cd "$work" && nice -n 19 mvn -q -B -Dhadoop.version="$HADOOP_VERSION" \
            dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIB_DIR.partial") \
            >"$work/mvn.log" 2>&1 || {
            log "mvn could not fetch the jars:"
            cat "$work/mvn.log" >&2
            exit 1
        }
        rm -rf "$work"
        mv "$LIB_DIR.partial" "$LIB_DIR"
        touch "$LIB_DIR/.complete"
    fi
    log "jars ready in $LIB_DIR"
}

cmd_start() {
    local state
    state="$(mkdir -p "$1" && cd "$1" && pwd)"
    if [[ ! -f "$LIB_DIR/.complete" ]]; then
        log "$LIB_DIR is missing: run 'scripts/yarn-test-cluster.sh build' first"
        exit 1
    fi
    command -v java >/dev/null || {
        log "Java 17+ is needed (apt-get install openjdk-17-jre-headless)"
        exit 1
    }
    local kdc=()
    [[ "${2:-}" == "--kerberos" ]] && kdc=("$state/kdc")
    mkdir -p "$state/work" "$state/conf"
    rm -f "$state/conf/yarn-site.xml" "$state/conf/core-site.xml"
    # Its own session, so that the cluster outlives the shell that started it; a small heap
    # and the quick compiler: it serves a handful of applications, and starts sooner so.
    # (MiniKdc refreshes the JDK's Kerberos configuration, an internal class.)
    (cd "$state/work" && exec setsid java -Xmx768m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
        --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED \
        -Dlog4j.configuration="file:$HERE/yarn/log4j.properties" \
        -cp "$LIB_DIR/*" "$HERE/yarn/MiniYarn.java" "$state/conf" "$state/work" "$state" "${kdc[@]}" \
        </dev/null >"$state/minicluster.log" 2>&1) &
    local pid=$!
    echo "$pid" >"$state/minicluster.pid"
    local started=$SECONDS
    until [[ -f "$state/conf/yarn-site.xml" && -f "$state/conf/core-site.xml" ]]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            log "the cluster exited while starting; the end of $state/minicluster.log:"
            tail -n 30 "$state/minicluster.log" >&2
            exit 1
        fi
        if ((SECONDS - started > START_TIMEOUT)); then
            log "the cluster did not start within ${START_TIMEOUT}s; see $state/minicluster.log"
            cmd_stop "$state"
            exit 1
        fi
        sleep 0.5
    done
    log "started in $((SECONDS - started)) s (pid $pid)"
    echo "$state/conf"
}

cmd_stop() {
    local f="$1/minicluster.pid"
    [[ -f "$f" ]] || return 0
    local pid
    pid="$(cat "$f")"
    # TERM first: the cluster's shutdown hook stops the NodeManager, which stops its containers.
    if kill "$pid" 2>/dev/null; then
        for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}

cmd_restart_resourcemanager() {
    local state="$1" pid
    pid="$(cat "$state/minicluster.pid")"
    touch "$state/restart-resourcemanager"
    local started=$SECONDS
    while [[ -f "$state/restart-resourcemanager" ]]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            log "the cluster exited while its ResourceManager restarted; the end of $state/minicluster.log:"
            tail -n 30 "$state/minicluster.log" >&2
            exit 1
        fi
        if ((SECONDS - started > START_TIMEOUT)); then
            log "the ResourceManager did not restart within ${START_TIMEOUT}s; see $state/minicluster.log"
            exit 1
        fi
        sleep 0.2
    done
    log "ResourceManager restarted in $((SECONDS - started)) s"
}

case "${1:-}" in
build) cmd_build ;;
start) cmd_start "${2:?start needs a state directory}" "${3:-}" ;;
stop) cmd_stop "${2:?stop needs a state directory}" ;;
restart-resourcemanager) cmd_restart_resourcemanager "${2:?restart-resourcemanager needs a state directory}" ;;
lib-dir) echo "$LIB_DIR" ;;
*)
    echo "usage: $0 build | start STATE_DIR | stop STATE_DIR | restart-resourcemanager STATE_DIR | lib-dir" >&2
    exit 2
    ;;
esac
