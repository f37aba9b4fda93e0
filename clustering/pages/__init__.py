"""Clustering pages: choosing k, the new-run form, run detail with live progress, publish,
cancel and the dendrogram (templates/clustering/)."""
