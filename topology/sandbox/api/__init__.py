"""The sandbox's OpenStack REST APIs: Keystone v3, Nova v2.1 and Neutron v2.0 rendering the
live model (:mod:`topology.sandbox.model`) for openstacksdk and the loaders.

:func:`topology.sandbox.api.app.create_app` is the entry point; the other modules each do one
job (tokens, the service catalog, microversions, paging, each service's views and routes).
"""
