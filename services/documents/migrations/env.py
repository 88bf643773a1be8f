import documents.adapters.approval_tables  # noqa: F401  (registers the approval tables)
from documents.adapters.orm import metadata
from secretariat_shared.migrations import run_env

run_env(metadata)
