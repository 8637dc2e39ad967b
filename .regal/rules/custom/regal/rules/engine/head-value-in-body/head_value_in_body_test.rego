package custom.regal.rules.engine["head-value-in-body_test"]

import data.custom.regal.rules.engine["head-value-in-body"] as rule

rows(source) := {v.location.row | some v in rule.report with input as regal.parse_module("p.rego", source)}

test_a_reference_into_a_value_in_a_set_member if {
	rows(`package p

s contains {"name": x.name} if some x in input.xs
`) == {3}
}

test_a_call_in_a_set_member if {
	rows(`package p

s contains f(x) if some x in input.xs

f(x) := x
`) == {3}
}

test_a_reference_in_an_object_key_and_a_call_in_its_value if {
	rows(`package p

o[x.id] := v if {
	some x in input.xs
	v := 1
}

m[k] := f(k) if some k in input.ks

f(x) := x
`) == {3, 8}
}

test_values_bound_in_the_body_are_fine if {
	rows(`package p

s contains v if {
	some x in input.xs
	v := {"name": x.name, "of": f(x)}
}

o[k] := [k, 1] if some k in input.ks

f(x) := x
`) == set()
}

test_complete_rules_functions_and_comprehensions_are_fine if {
	rows(`package p

c := x.name if x := input.x

f(x) := x.name

s contains {"names": [n | some y in input.ys; n := y.name]} if input.on
`) == set()
}
