"""Where users run the scanner besides the CLI: the GitHub Action and the pre-commit hooks.

`changed` chooses the templates to scan from a list of changed files (with the templates they
import from, nest in, or export to); `github` is the Action's logic (`action.yml` keeps only
thin shell steps around `python -m scanner.integrations.github`); `precommit` is the hooks'
entry point. All of them run the real `fargate-preflight scan` command.
"""
