"""`python -m scanner` and the `fargate-preflight` command."""

import sys


def main() -> None:
    if sys.argv[1:2] == ["scan"]:
        # Before the command's imports: the policies compile meanwhile (scanner.engine.early).
        from scanner.engine import early

        early.start()
    from scanner.cli import run

    run()


if __name__ == "__main__":
    main()
