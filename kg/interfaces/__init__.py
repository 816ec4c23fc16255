"""The ways in: the imr-kg command line and the SPARQL endpoint."""
