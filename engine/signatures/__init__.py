"""Officials' signatures: documents waiting for the signatures of the officials who decide (porta firma)."""
