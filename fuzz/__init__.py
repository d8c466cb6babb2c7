"""tradeproof fuzz suites."""
