import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SEEDS = Path("/work/shared/seeds")
SAMPLES = ROOT / "data" / "sample_plans"
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "plans"))
