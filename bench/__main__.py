"""`python -m bench`: run the benchmarks, print the figures, write them to bench/results/."""

import argparse
import asyncio
import contextlib
import json
import shutil
import tempfile
import traceback
from collections.abc import Awaitable, Callable, Iterator, Mapping
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from lighter_common.settings import LimitsSettings

from bench.flood import SETTINGS as FLOOD_SETTINGS
from bench.flood import FloodOptions, measure_flood
from bench.kubernetes_native import NativeSubmitOptions, measure_native_submit
from bench.kubernetes_status import PodStatusOptions, measure_pod_status_delay
from bench.kubernetes_submit import SubmitCostOptions, measure_submit_cost
from bench.machine import machine_facts
from bench.report import markdown, write_results
from bench.servers import Infrastructure, Lighter, Mode, infrastructure, running_lighter
from bench.statements import SETTINGS as STATEMENT_SETTINGS
from bench.statements import StatementOptions, measure_statements
from bench.status_delay import StatusDelayOptions, measure_status_delay
from bench.status_delay import settings_for as status_settings
from bench.submissions import SETTINGS as SUBMISSION_SETTINGS
from bench.submissions import SubmissionOptions, measure_submissions
from bench.yarn import YarnBenchOptions
from bench.yarn import measure_status_delay as measure_yarn_status_delay
from bench.yarn import measure_submit_cost as measure_yarn_submit_cost

BENCHMARKS = ("submissions", "status_delay", "flood", "statements", "kubernetes", "yarn")
YARN_PARTS = ("spark_submit", "status_delay")
KUBERNETES_PARTS = ("spark_submit", "native_submit", "status_delay")
MODES: tuple[Mode, ...] = ("standalone", "distributed")
Measure = Callable[[Lighter], Awaitable[dict[str, Any]]]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run of about 2 minutes")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS))
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--name", help="results file name (default: full or quick)")
    parser.add_argument("--keep", action="store_true", help="keep data directories and logs")
    parser.add_argument(
        "--tracker-interval", type=float, help="LIGHTER_TRACKER_INTERVAL (default: Lighter's)"
    )
    submissions = parser.add_argument_group("submissions")
    submissions.add_argument("--clients", type=int, default=32, help="concurrent requests")
    submissions.add_argument("--load-processes", type=int, default=2)
    submissions.add_argument("--warmup", type=float, help="seconds before measuring (3)")
    submissions.add_argument("--duration", type=float, help="measured seconds (20)")
    status = parser.add_argument_group("status delay")
    status.add_argument("--applications", type=int, help="batches running at once (2000)")
    status.add_argument("--run-base", type=float, help="run time of the first batch, s (30)")
    status.add_argument("--run-step", type=float, help="each next batch runs longer by, s (0.02)")
    status.add_argument("--start-seconds", type=float, default=0.5)
    status.add_argument("--poll-interval", type=float, default=0.2, help="seconds")
    flood = parser.add_argument_group("flood (/health while one client sends ~1 MB bodies)")
    flood.add_argument("--flood-clients", type=int, default=4, help="concurrent floods")
    flood.add_argument("--flood-duration", type=float, help="measured seconds per shape (20)")
    statements = parser.add_argument_group("statements")
    statements.add_argument("--statements", type=int, help="per session (200)")
    statements.add_argument("--sessions", type=int, help="concurrent sessions (4)")
    statements.add_argument("--statement-poll-ms", type=float, default=3.0)
    kubernetes = parser.add_argument_group("kubernetes (the test API server, kwok as the node)")
    kubernetes.add_argument(
        "--k8s-parts", nargs="+", choices=KUBERNETES_PARTS, default=list(KUBERNETES_PARTS)
    )
    kubernetes.add_argument("--k8s-sequential", type=int, help="spark-submits one by one (4)")
    kubernetes.add_argument("--k8s-total", type=int, help="spark-submits at capacity (8)")
    kubernetes.add_argument("--k8s-concurrency", type=int, help="spark-submits at once (4)")
    kubernetes.add_argument("--k8s-native-sequential", type=int, help="native one by one (20)")
    kubernetes.add_argument("--k8s-native-total", type=int, help="native at capacity (1000)")
    kubernetes.add_argument(
        "--k8s-native-concurrency",
        type=int,
        default=LimitsSettings.model_fields["max_starting_jobs"].default,
        help="native launches at once (Lighter's LIGHTER_MAX_STARTING_JOBS default)",
    )
    kubernetes.add_argument("--k8s-pods", type=int, help="running driver pods (2000)")
    kubernetes.add_argument("--k8s-ended", type=int, help="of which reported ended (400)")
    kubernetes.add_argument("--k8s-end-rate", type=float, default=10.0, help="ends a second")
    yarn = parser.add_argument_group("yarn (the test MiniYARNCluster)")
    yarn.add_argument("--yarn-parts", nargs="+", choices=YARN_PARTS, default=list(YARN_PARTS))
    yarn.add_argument("--yarn-sequential", type=int, help="spark-submits one by one (4)")
    yarn.add_argument("--yarn-total", type=int, help="spark-submits at capacity (8)")
    yarn.add_argument(
        "--yarn-running",
        type=int,
        help="running YARN applications tracked (7: what the test cluster runs at once)",
    )
    args = parser.parse_args(argv)
    full = not args.quick
    defaults = {
        "warmup": 3.0 if full else 1.0,
        "duration": 20.0 if full else 5.0,
        "applications": 2000 if full else 300,
        "run_base": 30.0 if full else 12.0,
        "run_step": 0.02,
        "flood_duration": 20.0 if full else 8.0,
        "statements": 200 if full else 20,
        "sessions": 4 if full else 2,
        "k8s_sequential": 4 if full else 2,
        "k8s_total": 8 if full else 2,
        "k8s_concurrency": 4 if full else 2,
        "k8s_native_sequential": 20 if full else 5,
        "k8s_native_total": 1000 if full else 100,
        "k8s_pods": 2000 if full else 200,
        "k8s_ended": 400 if full else 50,
        "yarn_sequential": 4 if full else 2,
        "yarn_total": 8 if full else 2,
        "yarn_running": 7 if full else 2,
    }
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.name = args.name or ("full" if full else "quick")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    work_dir = Path(tempfile.mkdtemp(prefix="lighter-bench-"))
    run: dict[str, Any] = {
        "name": args.name,
        "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": machine_facts(),
        "options": {key: value for key, value in vars(args).items() if key != "keep"},
        "results": {},
        "errors": {},
    }
    try:
        asyncio.run(run_benchmarks(args, work_dir, run))
    finally:
        if args.keep:
            print(f"data directories and logs kept in {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
    figures, table = write_results(run, args.name)
    print(json.dumps(run["results"], indent=2))
    print(markdown(run))
    print(f"figures: {figures}\ntable: {table}")


async def run_benchmarks(args: argparse.Namespace, work_dir: Path, run: dict[str, Any]) -> None:
    plan = benchmark_plan(args)
    needs_servers = any(mode == "distributed" for _, mode, _, _ in plan)
    with _infrastructure_if(needs_servers, work_dir) as infra:
        for benchmark, mode, settings, measure in plan:
            await _measure(run, benchmark, mode, work_dir, settings, infra, measure)
    if "kubernetes" in args.only:
        await _measure_kubernetes(run, args, work_dir / "kubernetes")
    if "yarn" in args.only:
        await _measure_yarn(run, args, work_dir / "yarn")


def benchmark_plan(args: argparse.Namespace) -> list[tuple[str, Mode, dict[str, str], Measure]]:
    """Which benchmark runs in which mode, with which Lighter settings, in order."""
    common = {"LIGHTER_LOG_LEVEL": "INFO"}
    if args.tracker_interval is not None:
        common["LIGHTER_TRACKER_INTERVAL"] = str(args.tracker_interval)
    submissions = SubmissionOptions(
        clients=args.clients,
        load_processes=args.load_processes,
        warmup=args.warmup,
        duration=args.duration,
        backlog_timeout=30.0,
    )
    status = StatusDelayOptions(
        applications=args.applications,
        start_seconds=args.start_seconds,
        run_base=args.run_base,
        run_step=args.run_step,
        poll_interval=args.poll_interval,
        give_up_after=30.0,
    )
    statements = StatementOptions(
        statements=args.statements,
        concurrent_sessions=args.sessions,
        poll_interval=args.statement_poll_ms / 1000,
        session_start_timeout=180.0,
    )
    flood = FloodOptions(
        clients=args.flood_clients,
        baseline=3.0,
        duration=args.flood_duration,
    )
    plan: list[tuple[str, Mode, dict[str, str], Measure]] = []
    for mode in args.modes:
        if "submissions" in args.only:
            plan.append(
                (
                    "submissions",
                    mode,
                    {**common, **SUBMISSION_SETTINGS},
                    partial(measure_submissions, options=submissions),
                )
            )
        if "status_delay" in args.only:
            plan.append(
                (
                    "status_delay",
                    mode,
                    {**common, **status_settings(status)},
                    partial(measure_status_delay, options=status),
                )
            )
        if "flood" in args.only:
            plan.append(
                ("flood", mode, {**common, **FLOOD_SETTINGS}, partial(measure_flood, options=flood))
            )
    if "statements" in args.only:
        # Real Spark: standalone mode only, the zero-dependency way sessions are run locally.
        plan.append(
            (
                "statements",
                "standalone",
                {**common, **STATEMENT_SETTINGS},
                partial(measure_statements, options=statements),
            )
        )
    return plan


@contextlib.contextmanager
def _infrastructure_if(needed: bool, work_dir: Path) -> Iterator[Infrastructure | None]:
    if not needed:
        yield None
        return
    with infrastructure(work_dir) as infra:
        yield infra


async def _measure(
    run: dict[str, Any],
    benchmark: str,
    mode: Mode,
    work_dir: Path,
    settings: Mapping[str, str],
    infra: Infrastructure | None,
    measure: Measure,
) -> None:
    print(f"== {benchmark}, {mode}", flush=True)
    lighter: Lighter | None = None
    try:
        async with running_lighter(mode, work_dir, settings, infra) as lighter:
            figures = await measure(lighter)
        run["results"].setdefault(benchmark, {})[mode] = figures
        print(json.dumps(figures), flush=True)
    except Exception:
        error = traceback.format_exc()
        if lighter is not None:
            error += "\n" + "\n".join(lighter.log(s) for s in lighter.services)
        run["errors"][f"{benchmark}/{mode}"] = error
        print(error, flush=True)


async def _measure_kubernetes(
    run: dict[str, Any], args: argparse.Namespace, work_dir: Path
) -> None:
    """Real spark-submit, native submission and Lighter's pod watch, one test API server."""
    from tests.harness.kubernetes import shared_cluster  # starts the cluster on first use

    submit = SubmitCostOptions(
        sequential=args.k8s_sequential, total=args.k8s_total, concurrency=args.k8s_concurrency
    )
    native = NativeSubmitOptions(
        sequential=args.k8s_native_sequential,
        total=args.k8s_native_total,
        concurrency=args.k8s_native_concurrency,
    )
    status = PodStatusOptions(pods=args.k8s_pods, ended=args.k8s_ended, end_rate=args.k8s_end_rate)
    parts: dict[str, Callable[[Path], Awaitable[dict[str, Any]]]] = {
        "spark_submit": lambda into: measure_submit_cost(shared_cluster(), into, submit),
        "native_submit": lambda into: measure_native_submit(shared_cluster(), into, native),
        "status_delay": lambda into: measure_pod_status_delay(shared_cluster(), into, status),
    }
    await _measure_parts(
        run, "kubernetes", {part: parts[part] for part in args.k8s_parts}, work_dir
    )


async def _measure_yarn(run: dict[str, Any], args: argparse.Namespace, work_dir: Path) -> None:
    """spark-submit to YARN and the tracker's status delay, on the test MiniYARNCluster."""
    from tests.harness.yarn_cluster import shared_cluster  # starts the cluster on first use

    options = YarnBenchOptions(
        sequential=args.yarn_sequential, total=args.yarn_total, running=args.yarn_running
    )
    parts: dict[str, Callable[[Path], Awaitable[dict[str, Any]]]] = {
        "spark_submit": lambda into: measure_yarn_submit_cost(shared_cluster(), into, options),
        "status_delay": lambda into: measure_yarn_status_delay(shared_cluster(), into, options),
    }
    await _measure_parts(run, "yarn", {part: parts[part] for part in args.yarn_parts}, work_dir)


async def _measure_parts(
    run: dict[str, Any],
    benchmark: str,
    parts: Mapping[str, Callable[[Path], Awaitable[dict[str, Any]]]],
    work_dir: Path,
) -> None:
    for part, measure in parts.items():
        print(f"== {benchmark}, {part}", flush=True)
        into = work_dir / part
        into.mkdir(parents=True, exist_ok=True)
        try:
            figures = await measure(into)
        except Exception:
            run["errors"][f"{benchmark}/{part}"] = error = traceback.format_exc()
            print(error, flush=True)
            continue
        run["results"].setdefault(benchmark, {})[part] = figures
        print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
