"""The ecosystem graph and its metrics (networkx)."""
