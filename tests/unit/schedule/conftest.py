"""Make the repository importable when pytest runs without the project installed (``.venv/bin/pytest``)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
