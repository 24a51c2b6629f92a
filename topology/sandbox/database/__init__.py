"""The sandbox's OpenStack databases: the real tables of nova, nova_api, neutron and keystone."""
