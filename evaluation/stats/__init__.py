"""Pure statistics: DataFrames and parameters in, frozen results out. No Flask, no database."""
