"""Link finders: links derived from the objects of a scan or from the graph.

Calipso's discovered links (:mod:`loaders.links.finders`: instance and vService vNICs,
oteps, vConnectors, vEdges, pNICs to networks) are found over a scan's tree once its
sources have added their objects, from the inventory documents alone, as Calipso's finders
found them in its inventory. Calipso's implicit links (its transitive closure over the
discovered links, :mod:`loaders.links.implicit`) are derived from the whole graph after
the links are written.
"""
