"""The notifications nova and neutron publish when the sandbox cloud changes.

Payloads are built from the model (:mod:`topology.sandbox.model`) by pure functions shaped
like the lab's recordings (``tests/fixtures/lab/notifications``): :mod:`.neutron` for
neutron's resources, :mod:`.nova_legacy` and :mod:`.nova_versioned` for nova's two formats;
:mod:`.flows` puts them in the order OpenStack sends them for each change, and
:mod:`.publisher` sends them through oslo.messaging's own Notifier.
"""
