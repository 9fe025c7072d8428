"""Runs the synthesized stack offline (moto): the fake Inference Recommender, the simulated clock,
the offline deployment, `make simulate` and `make bench`. Never shipped to Lambda."""

import infra  # noqa: F401  (puts the Lambda asset root, lambdas/, on sys.path: one place for both)
