"""fargate-preflight: checks before deployment that Fargate tasks can reach what they need."""

__version__ = "0.1.0"
