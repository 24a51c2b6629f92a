// The database's clock: scans stamp their start with it, so cleanup compares like with like.
RETURN datetime.transaction() AS now
