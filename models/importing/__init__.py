"""Plan importer: .txt/.docx/.xlsx reform plans -> tasks with units, deadlines and dependencies.

Pure module (no database, Prefect or Streamlit).  See ``builder`` for which sections become
tasks, ``annotations`` for unit roles, ``deadlines`` for deadline phrases and ``relations`` for
relative deadlines.
"""

from models.importing.model import ImportRejected, ParsedDependency, ParsedPlan, ParsedTask
from models.importing.parser import parse_plan

__all__ = ["ImportRejected", "ParsedDependency", "ParsedPlan", "ParsedTask", "parse_plan"]
