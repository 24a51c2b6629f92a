"""Sensu monitoring: check results become the status of objects and links.

``names`` maps check names to what they watch (Calipso's naming), ``events`` reads Sensu
1.x and Sensu Go events, ``handler`` writes a result as one change set.
"""
