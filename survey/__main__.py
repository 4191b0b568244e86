"""python -m survey: the same as the ``survey`` command."""

from survey.cli import main

main()
