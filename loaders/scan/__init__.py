"""Scans: the OpenStack API, its databases and its hosts read into one scan tree, the link
finders run over it, and the result written through the loader seam, scope by scope."""
