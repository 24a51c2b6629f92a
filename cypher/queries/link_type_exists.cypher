// Does the environment hold any link of this type? Decides a clique stage's direction.
RETURN EXISTS {
  MATCH (s:Object)-[r:__REL_TYPE__]->()
  WHERE s.environment = $environment
    AND ($use_implicit_links OR NOT coalesce(r.implicit, false))
} AS present
