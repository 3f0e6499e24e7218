"""Demo and test data: the demo county (``county``), synthetic counties for scale tests and benchmarks
(``synthetic``) and representative data for every notice kind (``notice_samples``).

It sits above the services (it loads data through them); nothing in the services or the pure core imports it.
"""
