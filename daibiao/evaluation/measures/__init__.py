"""The measures of the year-end evaluation, one module per kind of target. Each function is
registered in ``evaluation.metrics.METRICS`` by its ``metric`` decorator and measures every
target of its kind in a fixed number of queries."""
