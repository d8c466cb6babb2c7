"""``python -m tradeproof``: the same as the ``tradeproof`` command."""

from tradeproof.cli import main

main()
