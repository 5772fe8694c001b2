"""Operating the portal: backups and restores (`portal backup`, `portal restore`).

A lower layer like `db.py`: it works on whatever tables the database holds and on the files under
`PORTAL_DATA_DIR`, and imports no domain package.
"""
