"""Views of the imports app, one module per screen family."""
