"""tradeproof conformance suite (a package so modules may share basenames across protocols)."""
