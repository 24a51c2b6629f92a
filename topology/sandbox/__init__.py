"""The sandbox: a simulated OpenStack (APIs, database, hosts over SSH, notifications).

It is served from private daemons.
"""
