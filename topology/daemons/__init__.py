"""Private MariaDB and RabbitMQ servers for the sandbox and the tests: on loopback and
free ports, in a folder the caller gives, owned and stopped by the caller (never the
machine's own services, which may run beside them)."""
