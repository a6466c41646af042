"""Run the benchmarks: `python -m bench.run [--scenario NAME ...] [--size tiny|full]`.

Every scenario runs against PostgreSQL (DATABASE_URL's server, a database named
crisisdesk_bench…, recreated for the run) and Redis (REDIS_URL) on this machine, and writes
its figures (results/<name>.json), its chart (charts/<name>.png) and RESULTS.md. The tiny size
is the CI smoke run: every code path, about a minute, a non-zero exit if anything breaks; it
writes under var/bench/tiny/report/ unless --output says otherwise.
"""

import argparse
import importlib
import os
import sys
import time
import traceback
from types import ModuleType

from bench.config import SIZES, RunConfig, run_config, server_environment

# Issue order (the report's numbering); RUN_ORDER lets growth reuse what ingest measured.
SCENARIOS = ("api_reads", "fanout", "ingest", "detection", "growth")
RUN_ORDER = ("api_reads", "ingest", "growth", "fanout", "detection")


def _log(message: str) -> None:
    print(message, flush=True)


def _modules() -> dict[str, ModuleType]:
    return {name: importlib.import_module(f"bench.scenarios.{name}") for name in SCENARIOS}


def _requirements_check() -> None:
    missing = []
    for module in ("matplotlib", "uvicorn", "websockets", "httpx"):
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise SystemExit(
            f"missing {', '.join(missing)}: .venv/bin/pip install -r bench/requirements.txt"
        )


def _django_setup(config: RunConfig) -> None:
    os.environ.update(server_environment(config))
    import django

    django.setup()


def _redis_cleanup(config: RunConfig) -> None:
    """Drop this run's channel-layer and cache keys and the tasks it queued for Celery."""
    import redis

    from bench.config import celery_broker_url

    client = redis.Redis.from_url(config.redis_url)
    for key in client.scan_iter(match=f"{config.run_id}-*", count=1000):
        client.delete(key)
    broker = redis.Redis.from_url(celery_broker_url(config.redis_url))
    for key in broker.scan_iter(match="*celery*", count=1000):
        broker.delete(key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scenario",
        action="append",
        choices=SCENARIOS,
        help="run only this scenario (repeatable); default: all five",
    )
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--output", help="folder for RESULTS.md, charts/ and results/")
    parser.add_argument(
        "--no-install", action="store_true", help="never apt-get install wrk (use the fallback)"
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="only render RESULTS.md and the charts again from results/*.json",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile the API list and a bulk ingest in-process (pyinstrument) into profiles/",
    )
    args = parser.parse_args(argv)
    _requirements_check()
    config = run_config(args.size, args.output)
    if args.report_only:
        _django_setup(config)
        from bench import charts
        from bench.report import report_write, results_read

        modules = _modules()
        for name, data in results_read(config).items():
            charts.render(modules[name], data["result"], config.charts_dir / f"{name}.png")
        _log(f"report: {report_write(config, modules)}")
        return 0
    selected = [name for name in RUN_ORDER if name in (args.scenario or SCENARIOS)]

    from bench.database import database_recreate
    from bench.load import wrk_path
    from bench.servers import raise_open_files_limit

    started = time.monotonic()
    _log(f"bench: size {config.size.name}, scenarios {', '.join(selected)}")
    _log(f"  database {config.database_url.rsplit('/', 1)[-1]}, redis {config.redis_url}")
    _log(f"  open files limit {raise_open_files_limit()}")
    seconds = database_recreate(config, log=_log)
    _log(f"  database ready in {seconds:.1f} s")
    _django_setup(config)

    from bench import charts, datagen
    from bench.context import Context
    from bench.machine import machine_info
    from bench.report import report_write, result_write

    wrk = wrk_path(install=config.size.name == "full" and not args.no_install, log=_log)
    machine = machine_info(config, wrk)
    datagen.negative_texts_check()
    modules = _modules()
    ctx = Context(config=config, log=_log, wrk=wrk)
    failed = []
    try:
        for name in selected:
            _log(f"[{name}] {modules[name].TITLE}")
            began = time.monotonic()
            try:
                result = modules[name].run(ctx)
            except Exception:
                traceback.print_exc()
                failed.append(name)
                continue
            payload = {
                "scenario": name,
                "size": config.size.name,
                "seconds": time.monotonic() - began,
                "machine": machine,
                "result": result,
            }
            result_write(config, name, payload)
            config.charts_dir.mkdir(parents=True, exist_ok=True)
            charts.render(modules[name], result, config.charts_dir / f"{name}.png")
            for t in result.get("targets", []):
                verdict = {True: "met", False: "MISSED", None: "reported"}[t["met"]]
                _log(f"  target {t['name']}: {t['value']} ({t['goal']}) -> {verdict}")
            _log(f"  done in {time.monotonic() - began:.1f} s")
        if args.profile:
            from bench import profiles

            for name, profile in (
                ("api_reads", profiles.profile_list),
                ("ingest", profiles.profile_ingest),
            ):
                if name not in selected:
                    continue
                try:
                    _log(f"[profile] {profile(ctx)}")
                except Exception:
                    traceback.print_exc()
                    failed.append(f"profile {name}")
    finally:
        ctx.close()
        try:
            _redis_cleanup(config)
        except Exception:  # noqa: BLE001 (cleanup must not hide the run's outcome)
            traceback.print_exc()
    if any(name not in failed for name in selected):
        path = report_write(config, modules)
        _log(f"report: {path}")
    _log(f"bench: {time.monotonic() - started:.0f} s" + (f", FAILED: {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
