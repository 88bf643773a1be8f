"""The approval engine's rules (SPEC D-06..D-10): templates, routing, the state
machine, step clocks, the seal. Plain Python: no database, gRPC or bus."""
