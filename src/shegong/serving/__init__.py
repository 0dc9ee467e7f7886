"""Serving: Voila on loopback, the portal's routes and the shegong Voila template."""
