"""The IPython extension: hooks, reversible wrappers, magics and display."""
