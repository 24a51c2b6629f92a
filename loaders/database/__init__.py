"""The OpenStack database loader: :func:`loaders.database.client.fetch_database` reads the
rows of nova, nova_api and neutron that the API does not show (get)."""
