"""rightsize: the operator CLI of a deployed Inference Recommender orchestrator stack."""
