"""Check scripts Topology provisions on the monitored hosts (copied to Sensu's plugins
folder by ``topology sensu-config``): one ``check_*.py`` per kind of check, sharing the
plugin contract (:mod:`plugin`) and the ``ip link`` reader (:mod:`iplink`). Standard
library of Python 3.7+ only; no root needed but where a check says so.
"""
