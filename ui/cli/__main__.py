"""`python -m ui.cli` runs `reform`."""
from ui.cli.app import main

main()
