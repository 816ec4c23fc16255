"""HTML audit reports: one page per case, and an index for a store."""
