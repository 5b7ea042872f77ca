"""What the tests share: where the repository and the shared assets are (`paths`), hand-built
poses (`poses`) and bare report contexts (`contexts`). Importable from every test folder
(pytest's `pythonpath` holds tests/)."""
