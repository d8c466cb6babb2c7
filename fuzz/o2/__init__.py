"""tradeproof fuzz suite."""
