// Liveness of the graph: a trivial round trip.
RETURN 1 AS ok
