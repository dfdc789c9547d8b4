"""The analysts' studio: model, check, try and deploy procedures in the browser."""
