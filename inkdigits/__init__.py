"""The ``inkdigits`` command line: one front door to the other packages, imported lazily."""
