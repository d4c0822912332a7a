"""`python -m csgsim` runs the command line."""

from csgsim.cli import main

main()
