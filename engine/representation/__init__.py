"""Representatives (apoderados): a person acts for another person or a company under a power of attorney."""
