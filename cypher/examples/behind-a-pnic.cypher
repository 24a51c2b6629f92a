// What sits behind a physical NIC: the host pNIC, the vEdge, tunnel endpoint and bridges
// that use it, and upward through them the vNICs, instances and vservices whose traffic
// leaves the host through it, with the pNIC's own links too (its networks, a switch port).
// Shown for the first pNIC (by host, then name) of the demo environment with an instance
// behind it. For another pNIC, replace the first three lines by one like
//   MATCH (p:HostPnic {environment: 'demo', host: 'node-1', name: 'eth0'})
MATCH (p:HostPnic {environment: 'demo'})
WHERE EXISTS { (p)<-[:VEDGE_HOST_PNIC|OTEP_HOST_PNIC|VCONNECTOR_HOST_PNIC|VEDGE_OTEP
                    |VCONNECTOR_VEDGE|VNIC_VEDGE|VNIC_VCONNECTOR|INSTANCE_VNIC*1..5]-(:Instance) }
WITH p ORDER BY p.host, p.name LIMIT 1
CALL (p) {
  // Upward: every link walked against its direction, towards the instances.
  MATCH path = (p)<-[:VEDGE_HOST_PNIC|OTEP_HOST_PNIC|VCONNECTOR_HOST_PNIC|VEDGE_OTEP
                     |VCONNECTOR_VEDGE|VNIC_VEDGE|VNIC_VCONNECTOR|INSTANCE_VNIC
                     |VSERVICE_VNIC*1..5]-()
  WHERE none(r IN relationships(path) WHERE coalesce(r.implicit, false))
  RETURN path
  UNION
  // The pNIC's own links, whatever their type (not the inventory tree).
  MATCH path = (p)-[r]-()
  WHERE type(r) <> 'CONTAINS' AND NOT coalesce(r.implicit, false)
  RETURN path
}
RETURN path;
