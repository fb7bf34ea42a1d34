"""HQ's side of the record lookup: the indexed search over the reference files
(:mod:`.search`), the rows of the name index (:mod:`.index`), and the lookup service."""
