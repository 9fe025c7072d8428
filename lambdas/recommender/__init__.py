"""Lambda steps of the Inference Recommender orchestrator (the asset root is `lambdas/`)."""
