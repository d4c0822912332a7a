"""`python -m csgsim` runs the command line."""

from csgsim.ui.cli import main

main()
