// A listener's figures for its environment (one :Listener node per environment), written
// every few seconds by `topology listen`; read by `listen --status` and /metrics.
MERGE (l:Listener {environment: $environment})
SET l += $props, l.updated_at = datetime.transaction()
