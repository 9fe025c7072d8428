"""The CDK app of the Inference Recommender orchestrator: config, constructs and the stack."""

import sys
from pathlib import Path

# The Lambda asset root, put on the path here and nowhere else: the CDK config validates schedule
# inputs with the very model the Validate step uses (`recommender.models.ExecutionInput`), and the
# tests read the environment contract from `recommender.settings`.
LAMBDAS_DIR = Path(__file__).resolve().parent.parent / "lambdas"
if str(LAMBDAS_DIR) not in sys.path:
    sys.path.insert(0, str(LAMBDAS_DIR))
