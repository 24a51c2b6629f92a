"""The OpenStack API loader: :func:`loaders.openstack.client.fetch_api` reads the raw JSON
(get), :func:`loaders.openstack.transform.build_inventory` turns it, with the database's
rows, into the scan tree (transform)."""
