#!/usr/bin/env bash
# Source this: starts RabbitMQ (if none answers) and a FerretDB in DIR, and exports
# LIGHTER_TEST_RABBITMQ_URL / LIGHTER_TEST_MONGO_URL for the test harness.
work="${1:?usage: source scripts/start-test-services.sh DIR}"
mkdir -p "$work/ferretdb"

port_open() { (echo > "/dev/tcp/127.0.0.1/$1") >/dev/null 2>&1; }

if ! port_open 5672; then
  if rabbitmqctl -q ping >/dev/null 2>&1; then
    # The node runs with its AMQP application stopped: a fault test was cut off mid-restart.
    rabbitmqctl -q start_app
  else
    rabbitmq-server -detached
  fi
  for _ in $(seq 1 90); do port_open 5672 && break; sleep 1; done
fi
rabbitmqctl -q --timeout 120 await_startup >/dev/null
export LIGHTER_TEST_RABBITMQ_URL="amqp://guest:guest@127.0.0.1:5672/"

ferret_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ferretdb --handler=sqlite --sqlite-url="file:$work/ferretdb/" --state-dir="$work/ferretdb" \
  --listen-addr="127.0.0.1:$ferret_port" --debug-addr=127.0.0.1:0 --telemetry=disable \
  --log-level=warn > "$work/ferretdb.log" 2>&1 &
FERRETDB_PID=$!
for _ in $(seq 1 60); do port_open "$ferret_port" && break; sleep 0.5; done
export LIGHTER_TEST_MONGO_URL="mongodb://127.0.0.1:$ferret_port/"
echo "RabbitMQ at $LIGHTER_TEST_RABBITMQ_URL, FerretDB at $LIGHTER_TEST_MONGO_URL"

stop_test_services() {
  kill "$FERRETDB_PID" 2>/dev/null || true
}
