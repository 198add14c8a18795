"""Forms of the imports app: the import wizard, review and activation."""
