# METADATA
# description: The one finding builder, so every finding has the same shape.
package fargate_preflight.lib.result

import rego.v1

# finding returns a finding with every key present; see docs/policies.md.
finding(f) := {
	"resource": f.resource,
	"service": object.get(f, "service", null),
	"need": object.get(f, "need", null),
	"message": f.message,
	"fix": f.fix,
	"hop": object.get(f, "hop", null),
	"location": {"file": f.source.file, "line": f.source.line},
	"level": object.get(f, "level", null),
}
