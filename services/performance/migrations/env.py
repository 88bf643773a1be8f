from performance.adapters.orm import metadata
from secretariat_shared.migrations import run_env

run_env(metadata)
