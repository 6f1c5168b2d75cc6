"""Mutating nested documents (parsed YAML or JSON) for the property tests: pick a path by index,
then delete or replace what is there."""
from __future__ import annotations


def paths(node, prefix=(), per_list: int = 3):
    """Every path into ``node``; only the first ``per_list`` items of each list (keeps the search
    focused on shapes rather than on long lists)."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, prefix + (k,), per_list)
    elif isinstance(node, list):
        for i, v in enumerate(node[:per_list]):
            yield from paths(v, prefix + (i,), per_list)


def mutate(doc, mutations, *, per_list: int = 3, delete_list_items: bool = False) -> None:
    """Apply (index, "delete" | "replace", value) mutations in place. A delete in a list
    replaces the item unless ``delete_list_items``."""
    for index, action, value in mutations:
        found = [p for p in paths(doc, per_list=per_list) if p]
        path = found[index % len(found)]
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        if action == "delete" and (isinstance(parent, dict) or delete_list_items):
            parent.pop(path[-1])
        else:
            parent[path[-1]] = value
