"""Golden expected findings for the real corpus (cases.yaml, expected/), and their harness."""
