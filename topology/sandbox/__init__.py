"""The sandbox: a simulated OpenStack (APIs, database, hosts over SSH, notifications)."""
