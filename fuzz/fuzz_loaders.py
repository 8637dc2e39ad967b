"""atheris harness for the YAML/JSON loader and the CloudFormation builder behind it.

Any input may give a SourceError (bad input: exit 2, with the file and a line within the
text); what parses has every line within the text (lines count line feeds, as SARIF's do);
anything else escaping is a crash that libFuzzer reports and saves as crash-<sha>.

    pip install atheris==3.0.0      # the one version with a wheel for Python 3.11 here
    mkdir -p /tmp/corpus           # libFuzzer adds the inputs it finds to the first folder
    python fuzz/fuzz_loaders.py -max_total_time=60 -artifact_prefix=/tmp/ /tmp/corpus \
        fuzz/regressions examples tests/fixtures/cfn tests/fixtures/corpus/cloudformation

fuzz/regressions holds inputs that once crashed it (copy a crash-<sha> there when you fix one).

.ci/run runs it for 60 s with `-seed=1` and PYTHONHASHSEED=0, so that CI explores much the same
inputs each time (FP_FUZZ_SEED changes the seed; 0 is random, as it is above);
tests/reliability/test_atheris.py runs it for a few seconds.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from scanner.errors import SourceError
    from scanner.sources.base import BuildContext, LoadedFile
    from scanner.sources.cloudformation import CloudFormationSource
    from scanner.sources.lines import LineDict, lined
    from scanner.sources.yamlload import parse

SOURCE = CloudFormationSource()
ROOT = Path("/nonexistent-fuzz-root")  # nested templates resolve here: nothing is read


def test_one_input(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    lines = text.count("\n") + 1
    try:
        parsed = parse(text, "fuzz.yaml")
    except SourceError as exc:
        assert exc.file == "fuzz.yaml"
        assert exc.line is None or 1 <= exc.line <= lines, (exc.line, lines)
        return
    _check_lines(parsed, lines)
    if not SOURCE.detect(parsed):
        return
    loaded = LoadedFile(
        path=ROOT / "fuzz.yaml",
        rel="fuzz.yaml",
        kind="cloudformation",
        data=parsed,
        text=text,
        named=True,
    )
    fragment = SOURCE.build([loaded], BuildContext(root=ROOT, region="us-east-1"))
    for error in fragment.errors:
        assert error.file == "fuzz.yaml", error


def _check_lines(value: object, lines: int) -> None:
    """Every line the parser gives is one of the text's."""
    for item in lined(value):
        assert 1 <= item.line <= lines, (item.line, lines)
        if isinstance(item, LineDict):
            assert all(1 <= n <= lines for n in item.key_lines.values()), (item.key_lines, lines)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
