"""The sandbox cloud: a small OpenStack of its own, served from private daemons."""
