"""What the tests share: where the repository and the shared assets are (`paths`) and hand-built
poses (`poses`). Importable from every test folder (pytest's `pythonpath` holds tests/)."""
