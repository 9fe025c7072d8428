"""Offline simulation of the orchestrator: a fake Inference Recommender and a simulated clock."""
