#!/usr/bin/env python3
"""CDK entry point: `make synth` (the pinned CLI) or `python app.py`; no AWS calls either way."""

import sys

from infra.application import build_app
from infra.config import ConfigError

if __name__ == "__main__":
    try:
        app = build_app()
    except ConfigError as exc:  # a bad cdk.json value: say which, without a traceback
        sys.exit(f"error: {exc}")
    app.synth()
