"""Use cases: one function each, one transaction each; the only place that commits."""
