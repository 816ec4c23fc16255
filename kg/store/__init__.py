"""The persistent case store (Oxigraph): loading, screening every stored case, SPARQL over it."""
