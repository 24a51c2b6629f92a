"""Link finders: links derived from objects already in the graph.

Links whose two ends a source reads together are made by that source's own loader (a
host's CLI gives both a bridge and its pNIC). What needs objects of several sources, or
the whole graph, is found here, after the loaders wrote their objects: Calipso's
implicit links (its transitive closure over the discovered links) today.
"""
