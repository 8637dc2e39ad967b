# A call or a reference into a value (`f(x)`, `x.name`) in the head of a partial rule
# (`s contains ...`, `o[k] := ...`) stops regorus 0.9.1 ("not an object"), or empties the whole
# rule, when it is undefined for one element, where OPA skips that element. Bound in the body
# (`s contains v if { ...; v := f(x) }`), it means the same to OPA and works in regorus.
# The defect and its test: tests/reliability/README.md.
#
# METADATA
# description: Bind a partial rule's key and value in its body (regorus 0.9.1)
# schemas:
# - input: schema.regal.ast
package custom.regal.rules.engine["head-value-in-body"]

import data.regal.result

report contains violation if {
	some rule in input.rules
	not rule.head.args
	_partial(rule.head)
	some term in _head_terms(rule.head)
	_may_be_undefined(term)
	violation := result.fail(rego.metadata.chain(), result.location(term))
}

# `s contains x` (a key, no value) or `o[k] := v` (a variable in the ref after its name).
_partial(head) if {
	head.key
	not head.value
}

_partial(head) if {
	some part in array.slice(head.ref, 1, count(head.ref))
	part.type != "string"
}

# The member or value, and the variables of the ref (`o[k]`).
_head_terms(head) := array.concat([_member(head)], array.slice(head.ref, 1, count(head.ref)))

_member(head) := head.value if head.value

else := head.key

# A call, or a reference into a value, outside any comprehension (which is always defined).
_may_be_undefined(term) if {
	walk(term, [path, node])
	_undefined_kind(node)
	not _in_comprehension(term, path)
}

_undefined_kind(node) if node.type == "call"

_undefined_kind(node) if {
	node.type == "ref"
	count(node.value) > 1
}

_in_comprehension(term, path) if {
	walk(term, [prefix, node])
	endswith(node.type, "comprehension")
	array.slice(path, 0, count(prefix)) == prefix
}
