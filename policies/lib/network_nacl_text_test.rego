package fargate_preflight.lib.network_nacl_text_test

# How a denied NACL flow is worded (lib/network_nacl_text.rego); the NACLs are built by
# network_test.rego's helpers.

import rego.v1

nacl(entries) := data.fargate_preflight.lib.network_test.nacl(entries)

in_tcp(n, action, cidr, ports) := data.fargate_preflight.lib.network_test.in_tcp(n, action, cidr, ports)

src(line) := data.fargate_preflight.lib.network_test.src(line)

public := data.fargate_preflight.lib.network.public

flow_out := {"egress": true, "ports": [443, 443], "remote": public, "label": "0.0.0.0/0", "return": false}

flow_back := {"egress": false, "ports": [32768, 60999], "remote": "10.0.3.0/24", "label": "subnet EndpointA (10.0.3.0/24)", "return": true}

test_flow_text if {
	data.fargate_preflight.lib.network.flow_text(flow_out) == "outbound TCP 443 to 0.0.0.0/0"
	data.fargate_preflight.lib.network.flow_text(flow_back) == "inbound TCP 32768-60999 from subnet EndpointA (10.0.3.0/24) (return traffic)"
}

test_nacl_denial_text_and_fix if {
	star := data.fargate_preflight.lib.network.nacl_flow_verdict(nacl([]), flow_out)
	data.fargate_preflight.lib.network.nacl_denial_text(nacl([]), star, flow_out) == "network ACL AppNacl has no entry that allows outbound TCP 443 to 0.0.0.0/0, so the final * rule denies it"
	data.fargate_preflight.lib.network.nacl_fix(nacl([]), star, flow_out) == "Add an outbound entry to network ACL AppNacl that allows TCP 443 to 0.0.0.0/0."
	data.fargate_preflight.lib.network.nacl_deny_source(nacl([]), star) == src(1)

	entries := [in_tcp(90, "deny", "0.0.0.0/0", [1024, 65535])]
	one := data.fargate_preflight.lib.network.nacl_flow_verdict(nacl(entries), flow_back)
	data.fargate_preflight.lib.network.nacl_denial_text(nacl(entries), one, flow_back) == "network ACL AppNacl rule 90 denies inbound TCP 32768-60999 from subnet EndpointA (10.0.3.0/24) (return traffic)"
	data.fargate_preflight.lib.network.nacl_fix(nacl(entries), one, flow_back) == "Add an inbound entry to network ACL AppNacl that allows TCP 32768-60999 from 10.0.3.0/24 with a rule number below 90, or remove or narrow rule 90."
	data.fargate_preflight.lib.network.nacl_deny_source(nacl(entries), one) == src(90)

	two_entries := [in_tcp(90, "deny", "0.0.0.0/0", [32768, 40000])]
	two := data.fargate_preflight.lib.network.nacl_flow_verdict(nacl(two_entries), flow_back)
	data.fargate_preflight.lib.network.nacl_denial_text(nacl(two_entries), two, flow_back) == "network ACL AppNacl rules 90 and * deny inbound TCP 32768-60999 from subnet EndpointA (10.0.3.0/24) (return traffic)"
}

# Only some ports denied: the text names them, the fix allows them (or widens the one entry
# that allows the rest), and the finding sits at that entry.
test_nacl_partial_denial_text_and_fix if {
	entries := [in_tcp(110, "allow", "0.0.0.0/0", [49152, 65535])]
	v := data.fargate_preflight.lib.network.nacl_flow_verdict(nacl(entries), flow_back)
	data.fargate_preflight.lib.network.nacl_denial_text(nacl(entries), v, flow_back) == "network ACL AppNacl has no entry that allows ports 32768-49151 of inbound TCP 32768-60999 from subnet EndpointA (10.0.3.0/24) (return traffic), so the final * rule denies them; each connection takes a random port of 32768-60999, so some fail"
	data.fargate_preflight.lib.network.nacl_fix(nacl(entries), v, flow_back) == "Add an inbound entry to network ACL AppNacl that allows TCP 32768-49151 from 10.0.3.0/24, or widen rule 110 to ports 32768-60999. All of 32768-60999 must be allowed: each connection takes its port at random from that range."
	data.fargate_preflight.lib.network.nacl_deny_source(nacl(entries), v) == src(110)

	two_allows := [in_tcp(100, "allow", "0.0.0.0/0", [32768, 40000]), in_tcp(110, "allow", "0.0.0.0/0", [50000, 60999])]
	w := data.fargate_preflight.lib.network.nacl_flow_verdict(nacl(two_allows), flow_back)
	data.fargate_preflight.lib.network.nacl_deny_detail(w, flow_back) == "no entry allows ports 40001-49999 of inbound TCP 32768-60999 from subnet EndpointA (10.0.3.0/24) (return traffic), so the final * rule denies them; each connection takes a random port of 32768-60999, so some fail"
	data.fargate_preflight.lib.network.nacl_fix(nacl(two_allows), w, flow_back) == "Add an inbound entry to network ACL AppNacl that allows TCP 40001-49999 from 10.0.3.0/24. All of 32768-60999 must be allowed: each connection takes its port at random from that range."
	data.fargate_preflight.lib.network.nacl_deny_source(nacl(two_allows), w) == src(1)
}
