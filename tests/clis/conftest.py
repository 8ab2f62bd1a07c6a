"""The real coding CLIs (Claude Code, Codex CLI, Gemini CLI) against a live Switchboard: only
collected when SWITCHBOARD_CLI_DIR names a folder holding them (they come from the npm registry
and are not part of `make test`):

    npm install --prefix /tmp/clis @anthropic-ai/claude-code @openai/codex @google/gemini-cli
    SWITCHBOARD_CLI_DIR=/tmp/clis/node_modules/.bin .venv/bin/pytest tests/clis
"""

import os

collect_ignore_glob = [] if os.environ.get("SWITCHBOARD_CLI_DIR") else ["test_*.py"]
