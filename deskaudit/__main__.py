"""``python -m deskaudit``."""

from deskaudit.cli import main

main()
