"""Case files in RDF: reading, input checks and OWL consistency."""
