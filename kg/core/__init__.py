"""RDF basics: errors a user can fix, input limits, namespaces, readable names, N-Triples text."""
