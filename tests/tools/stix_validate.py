#!/usr/bin/env python3
"""Validate STIX 2.1 bundles against the OASIS JSON schemas, offline.

usage: stix_validate.py SCHEMAS_DIR BUNDLE...

SCHEMAS_DIR is cti-stix2-json-schemas/schemas.  Every schema file is loaded
and registered under its $id, so the $refs between files resolve locally
(nothing is fetched).  Each bundle is checked against common/bundle.json and
each object against the schema of its type; every error is printed with
the object's id, and the exit status is 1 when any was found.  Works with
Debian 12's python3-jsonschema (4.10, RefResolver) and newer releases (the
referencing library).
"""
import json
import os
import sys
import warnings

import jsonschema


def load_schemas(root):
    store = {}
    by_type = {}
    for folder in ("common", "sdos", "sros", "observables"):
        for name in sorted(os.listdir(os.path.join(root, folder))):
            if not name.endswith(".json"):
                continue
            with open(os.path.join(root, folder, name), encoding="utf-8") as f:
                schema = json.load(f)
            store[schema["$id"]] = schema
            if folder != "common" or name == "marking-definition.json":
                by_type[name[:-5]] = schema
    return store, by_type


def make_validator(schema, store):
    cls = jsonschema.validators.validator_for(schema)
    try:
        from referencing import Registry, Resource
        registry = Registry().with_resources(
            (uri, Resource.from_contents(s)) for uri, s in store.items())
        return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)
    except ImportError:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            resolver = jsonschema.RefResolver(schema["$id"], schema, store=store)
        return cls(schema, resolver=resolver)


def main():
    root, paths = sys.argv[1], sys.argv[2:]
    store, by_type = load_schemas(root)
    bundle_v = make_validator(store[next(u for u in store if u.endswith("/common/bundle.json"))],
                              store)
    validators = {}
    errors = objects = 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            bundle = json.load(f)
        # the bundle's own properties; its objects are checked one by one
        # below, each against the schema of its type (the bundle schema's
        # per-object check would repeat that, slowly)
        shell = dict(bundle, objects=bundle.get("objects", [])[:1])
        for e in bundle_v.iter_errors(shell):
            errors += 1
            print(f"{path}: bundle: {e.message[:300]}")
        for obj in bundle.get("objects", []):
            objects += 1
            t = obj.get("type")
            if t not in by_type:
                errors += 1
                print(f"{path}: {obj.get('id')}: no schema for type {t!r}")
                continue
            if t not in validators:
                validators[t] = make_validator(by_type[t], store)
            for e in validators[t].iter_errors(obj):
                errors += 1
                print(f"{path}: {obj.get('id')}: {e.message[:300]}")
    print(f"{len(paths)} bundle(s), {objects} objects, {errors} schema errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
