"""Export profiles: saved formats, options and columns of address exports."""
