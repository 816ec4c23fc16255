"""The knowledge graph and the SPARQL that reads it: ontology, catalogue, shapes, queries/ files."""
