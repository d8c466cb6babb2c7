"""Building blocks of rule scenarios (books to trade against, RFQ flows), shared by the
conformance and fuzz suites. They only use the public target clients."""
