"""Thin adapters, one module per engine; each imports its library lazily."""
