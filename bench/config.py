"""Sizes of a run and where it runs: PostgreSQL, Redis, output folders.

Everything here is decided before Django is imported, because the product's settings read
the environment once, at import.
"""

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crisisdesk_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
# The harness drops and recreates its database: it only ever touches names with this prefix.
DATABASE_PREFIX = "crisisdesk_bench"


@dataclass(frozen=True)
class Size:
    name: str
    # 1. API reads
    organisations: int
    main_incidents: int
    other_incidents: int  # per other organisation
    growth_incidents: tuple[int, ...]
    load_users: int  # distinct tokens the load generator rotates through
    concurrencies: tuple[int, ...]
    load_seconds: float  # per point, split over `load_rounds` rounds
    load_rounds: int
    warmup_seconds: float
    growth_concurrency: int
    # 2. fan-out
    fanout_clients: int
    fanout_trials: int
    # 3. ingest
    ingest_mentions: int
    ingest_batch: int
    ingest_senders: int
    csv_rows: int
    # 4. detection
    detection_trials: int
    # Which of the growth sizes the ingest curve summarises (rows already stored).
    ingest_marks: tuple[int, ...] = field(default=())


FULL = Size(
    name="full",
    organisations=50,
    main_incidents=10_000,
    other_incidents=100,
    growth_incidents=(1_000, 10_000, 100_000),
    load_users=64,
    concurrencies=(8, 32, 64),
    load_seconds=10.0,
    load_rounds=2,
    warmup_seconds=2.0,
    growth_concurrency=32,
    fanout_clients=1_000,
    fanout_trials=20,
    ingest_mentions=100_000,
    ingest_batch=1_000,
    # Four connections: with two, both land on the same uvicorn worker half of the time.
    ingest_senders=4,
    csv_rows=100_000,
    detection_trials=50,
    ingest_marks=(1_000, 10_000, 100_000),
)

# Every code path of the full run, at a size that finishes in about a minute (CI smoke).
TINY = Size(
    name="tiny",
    organisations=5,
    main_incidents=300,
    other_incidents=10,
    growth_incidents=(100, 300, 1_000),
    load_users=8,
    concurrencies=(8,),
    load_seconds=1.0,
    load_rounds=1,
    warmup_seconds=0.0,
    growth_concurrency=8,
    fanout_clients=20,
    fanout_trials=2,
    ingest_mentions=3_000,
    ingest_batch=500,
    ingest_senders=2,
    csv_rows=1_000,
    detection_trials=3,
    ingest_marks=(500, 1_000, 3_000),
)

SIZES = {"full": FULL, "tiny": TINY}


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def database_url(size: Size) -> str:
    """The bench database: DATABASE_URL's server, a name that starts with crisisdesk_bench.

    A DATABASE_URL naming another database (CI exports the test suite's) keeps its server
    and credentials but not its name, since the harness drops and recreates the database.
    """
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if not url.startswith(("postgres://", "postgresql://")):
        url = DEFAULT_DATABASE_URL
    name = urlsplit(url).path.lstrip("/") or DATABASE_PREFIX
    if not name.startswith(DATABASE_PREFIX):
        name = DATABASE_PREFIX
    if size.name != "full" and not name.endswith(f"_{size.name}"):
        name = f"{name}_{size.name}"
    return _with_database(url, name)


# The channel layer and the cache of a run live in a Redis database of their own: the test
# suite clears the cache (FLUSHDB) of REDIS_URL's database before every test, which wiped a
# run's group memberships when both ran at once.
BENCH_REDIS_DB = 14


def redis_url() -> str:
    """BENCH_REDIS_URL as given, else REDIS_URL's server with the bench's own database."""
    if os.environ.get("BENCH_REDIS_URL"):
        return os.environ["BENCH_REDIS_URL"]
    parts = urlsplit(os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{BENCH_REDIS_DB}", parts.query, ""))


# Celery tasks the product enqueues during a run (alert emails of the incidents detection
# opens) go to a Redis database of their own, emptied at the end: no worker runs here, and a
# shared database must not keep them.
CELERY_REDIS_DB = 15


def celery_broker_url(redis: str) -> str:
    parts = urlsplit(redis)
    return urlunsplit((parts.scheme, parts.netloc, f"/{CELERY_REDIS_DB}", "", ""))


@dataclass(frozen=True)
class RunConfig:
    size: Size
    database_url: str
    redis_url: str
    output_dir: Path
    # Keys of this run in Redis (channel layer, cache) never collide with another run's.
    run_id: str

    @property
    def charts_dir(self) -> Path:
        return self.output_dir / "charts"

    @property
    def results_dir(self) -> Path:
        return self.output_dir / "results"

    @property
    def work_dir(self) -> Path:
        path = ROOT / "var" / "bench" / self.size.name
        path.mkdir(parents=True, exist_ok=True)
        return path


def run_config(size_name: str, output: str | None) -> RunConfig:
    size = SIZES[size_name]
    if output:
        output_dir = Path(output).resolve()
    elif size.name == "full":
        output_dir = BENCH_DIR
    else:
        # A smoke run writes its report beside the scratch files, never over the recorded one.
        output_dir = ROOT / "var" / "bench" / size.name / "report"
    return RunConfig(
        size=size,
        database_url=database_url(size),
        redis_url=redis_url(),
        output_dir=output_dir,
        run_id=f"bench-{uuid.uuid4().hex[:8]}",
    )


def server_environment(config: RunConfig, **extra: str) -> dict[str, str]:
    """The environment of the product's processes (ASGI servers, management commands)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crisisdesk.settings",
        "DATABASE_URL": config.database_url,
        "REDIS_URL": config.redis_url,
        "CRISISDESK_BENCH": "1",
        "DEBUG": "0",
        "SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdefghijklmnop",
        "CHANNEL_LAYER_PREFIX": f"{config.run_id}-layer",
        "CACHE_PREFIX": f"{config.run_id}-cache",
        # Celery reads this variable before its settings.
        "CELERY_BROKER_URL": celery_broker_url(config.redis_url),
        # Load comes from a handful of users at hundreds of requests a second: raise the
        # limits so that nothing is refused (the throttle's bookkeeping still runs).
        "API_RATE": "1000000/s",
        "INGEST_RATE": "1000000/s",
        # The product's default, and the only safe value under ASGI: Django runs each request
        # in a thread of its own, so a persistent connection (> 0) is never reused and stays
        # open until PostgreSQL refuses new ones (bench/FINDINGS.md).
        "DB_CONN_MAX_AGE": os.environ.get("BENCH_DB_CONN_MAX_AGE", "0"),
        # The production set-up (docs/deploy.md): a psycopg pool per process bounds the
        # connections (2 workers x 10) and takes the connect out of every request.
        "DB_POOL_MAX": os.environ.get("BENCH_DB_POOL_MAX", "10"),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    env.update(extra)
    return env
