"""Mutation testing of the Lambda package (make mutation): mutmut over recommender's logic/ and steps/,
killed by the unit and handler tiers. `python -m mutation --help` lists the commands."""
