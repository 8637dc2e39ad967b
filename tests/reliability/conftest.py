"""Hypothesis profiles of the reliability tests.

`ci` (the default) keeps the whole folder to well under a minute on a busy machine and is
derandomized, so a failure in CI replays the same way on a laptop; `fuzz` is for a long hunt:
`FP_FUZZ_PROFILE=fuzz python -m pytest tests/reliability`.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.function_scoped_fixture,
    ],
)
settings.register_profile("fuzz", settings.get_profile("ci"), max_examples=2_000, derandomize=False)
