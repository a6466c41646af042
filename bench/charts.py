"""One PNG per scenario (matplotlib, no display needed)."""

from pathlib import Path
from types import ModuleType
from typing import Any

import matplotlib

matplotlib.use("Agg")


def render(module: ModuleType, result: dict[str, Any], path: Path) -> Path:
    module.chart(result, str(path))
    if not path.exists() or path.stat().st_size == 0:
        raise RuntimeError(f"chart {path} was not written")
    return path
