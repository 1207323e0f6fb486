"""Gateway apps: core + hardware seam, no library calls of their own."""
