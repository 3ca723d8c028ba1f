#!/usr/bin/env python3
"""validate_json.py - checks sockscope JSON / NDJSON output against docs/schema.json.

Standard library only. Implements the subset of JSON Schema (draft 2020-12)
that docs/schema.json uses: type, enum, properties, required,
additionalProperties (boolean or schema), items, minimum, maximum, $ref to
"#/$defs/NAME", oneOf, anyOf, allOf. Any other keyword in the schema is an
error, so the schema cannot silently rely on something unchecked.

usage: validate_json.py SCHEMA FILE...        (a FILE ending in .ndjson is
                                               checked line by line against
                                               $defs/ndjson_record; '-' = stdin JSON)
       validate_json.py --ndjson SCHEMA FILE...
exit 0 when every file validates, 1 otherwise (messages on stderr).
"""
import json
import sys

KNOWN = {"$schema", "$id", "title", "description", "$defs", "type", "enum", "properties",
         "required", "additionalProperties", "items", "minimum", "maximum", "$ref", "oneOf",
         "anyOf", "allOf"}

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class Validator:
    def __init__(self, root):
        self.root = root

    def resolve(self, ref):
        if not ref.startswith("#/$defs/"):
            raise ValueError("unsupported $ref " + ref)
        return self.root["$defs"][ref[len("#/$defs/"):]]

    def errors(self, schema, value, path):
        """Returns a list of error strings (empty when value is valid)."""
        if isinstance(schema, bool):
            return [] if schema else [path + ": no value allowed here"]
        unknown = set(schema) - KNOWN
        if unknown:
            raise ValueError("schema keyword(s) not supported by this validator: %s" % sorted(unknown))
        errs = []
        if "$ref" in schema:
            errs += self.errors(self.resolve(schema["$ref"]), value, path)
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(TYPES[t](value) for t in types):
                return errs + ["%s: %r is not of type %s" % (path, value, "/".join(types))]
        if "enum" in schema and not any(value == e and type(value) is type(e) or
                                        (value == e and isinstance(e, (int, float)) and not isinstance(value, bool))
                                        for e in schema["enum"]):
            errs.append("%s: %r not in %r" % (path, value, schema["enum"]))
        if TYPES["number"](value):
            if "minimum" in schema and value < schema["minimum"]:
                errs.append("%s: %r < minimum %r" % (path, value, schema["minimum"]))
            if "maximum" in schema and value > schema["maximum"]:
                errs.append("%s: %r > maximum %r" % (path, value, schema["maximum"]))
        if isinstance(value, dict):
            props = schema.get("properties", {})
            for name in schema.get("required", []):
                if name not in value:
                    errs.append("%s: missing required property %r" % (path, name))
            for name, v in value.items():
                if name in props:
                    errs += self.errors(props[name], v, path + "." + name)
                elif "additionalProperties" in schema:
                    errs += self.errors(schema["additionalProperties"], v, path + "." + name)
        if isinstance(value, list) and "items" in schema:
            for i, v in enumerate(value):
                errs += self.errors(schema["items"], v, "%s[%d]" % (path, i))
        for sub in schema.get("allOf", []):
            errs += self.errors(sub, value, path)
        if "anyOf" in schema:
            if not any(not self.errors(s, value, path) for s in schema["anyOf"]):
                errs.append("%s: matches none of anyOf" % path)
        if "oneOf" in schema:
            results = [self.errors(s, value, path) for s in schema["oneOf"]]
            n_ok = sum(1 for r in results if not r)
            if n_ok != 1:
                detail = "" if n_ok else " (closest: %s)" % min(results, key=len)[:3]
                errs.append("%s: matches %d of oneOf, not exactly 1%s" % (path, n_ok, detail))
        return errs


def check_file(v, path, ndjson):
    text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
    errs = []
    if ndjson:
        lines = [l for l in text.split("\n") if l.strip()]
        if not lines:
            errs.append("no records")
        for n, line in enumerate(lines, 1):
            try:
                rec = json.loads(line)
            except ValueError as e:
                errs.append("line %d: not JSON: %s" % (n, e))
                continue
            errs += ["line %d: %s" % (n, e) for e in
                     v.errors({"$ref": "#/$defs/ndjson_record"}, rec, "$")]
    else:
        try:
            doc = json.loads(text)
        except ValueError as e:
            return ["not JSON: %s" % e]
        errs += v.errors(v.root, doc, "$")
    return errs


def main(argv):
    ndjson_all = False
    if argv and argv[0] == "--ndjson":
        ndjson_all = True
        argv = argv[1:]
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[0], encoding="utf-8") as f:
        v = Validator(json.load(f))
    bad = 0
    for path in argv[1:]:
        errs = check_file(v, path, ndjson_all or path.endswith(".ndjson"))
        if errs:
            bad += 1
            sys.stderr.write("%s: %d error(s)\n" % (path, len(errs)))
            for e in errs[:20]:
                sys.stderr.write("  " + e + "\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
