"""`python cli.py ...` is the same program as the installed `csgsim ...`."""

from csgsim.ui.cli import main

if __name__ == "__main__":
    main()
