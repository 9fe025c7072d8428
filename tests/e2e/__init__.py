"""The e2e tier (a package, so that its one shared world is torn down when its last test ends)."""
