"""The facilities unit of work: the shared one plus this service's records."""

from __future__ import annotations

from facilities.adapters.stores import ReadStores, Stores
from secretariat_shared.uow import UnitOfWork

__all__ = ["FacilitiesUnitOfWork", "ReadStores", "Stores"]


class FacilitiesUnitOfWork(UnitOfWork, Stores):
    """The shared unit of work with the stores on its session."""
