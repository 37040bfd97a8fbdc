"""`python -m bot`: the same as the `citebot` command."""

from bot.cli import main

main()
