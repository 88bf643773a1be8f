from sqlalchemy import MetaData

from secretariat_shared.migrations import run_env
from secretariat_shared.tables import PlatformTables

metadata = MetaData()
PlatformTables(metadata, purge_index=True)
run_env(metadata)
