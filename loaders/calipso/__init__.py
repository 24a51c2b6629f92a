"""Importing OPNFV Calipso's MongoDB collections (from mongoexport files) into Topology."""
