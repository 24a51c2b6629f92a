"""Events: OpenStack notifications become change sets, applied as they arrive.

- :mod:`topology.events.notification` reads one AMQP body (oslo.messaging's ``messagingv2``
  envelope or the ``messaging`` driver's plain notification) into a
  :class:`~topology.events.notification.Notification`, or says why it cannot.
- :mod:`topology.events.handlers` maps each event type to a handler: one notification in,
  one :class:`~topology.events.contract.Outcome` out (a change set, and the targeted scans
  of what only a host can tell). Handlers read the graph through
  :class:`~topology.events.contract.Lookup` only, and build objects with the loaders'
  transforms (:mod:`topology.events.building`), so that an event-made node and a scanned
  one are the same.
- :mod:`topology.events.listener` consumes an environment's queue, applies outcomes in
  batches (one transaction each), acknowledges only after the commit, retries what is not
  ready yet and dead-letters what cannot be processed, with the reason.
"""
