# Path selection, continued (the package's description is in paths.rego): why a need has no
# path, as the failing hop says it (FG201, FG202, FG205, FG502, FG503). Uses paths.rego and
# paths_analysis.rego; paths_decisions.rego builds the no-path results with it.
package fargate_preflight.lib.paths

import rego.v1

# The failing hop's detail for FG201, FG205, FG502 and FG503. A public IP alone would not
# help when the internet gateway is attached to another VPC: FG201 says so too.
fg201_detail(attachment) := sprintf("assignPublicIp is DISABLED, and %s", [attachment.detail]) if {
	attachment.state == "elsewhere"
} else := "assignPublicIp is DISABLED"

fg205_detail(subnet, key, ep) := sprintf(
	"gateway endpoint %s (%s) is not associated with route table %s",
	[ep.name, key.need, name_of("route_tables", subnet.route_table)],
)

fg502_detail(key, ep) := sprintf(
	"interface endpoint %s (%s) has private DNS off, so the %s hostname resolves to public addresses",
	[ep.name, key.need, key.need],
)

fg503_detail(subnet, key, ep) := sprintf(
	"interface endpoint %s (%s) has private DNS on but VPC %s lacks enableDnsHostnames or enableDnsSupport",
	[ep.name, key.need, name_of("vpcs", subnet.vpc)],
)

# nothing_for says what is missing for a need that has no path at all.
nothing_for(subnet, key) := sprintf(
	"no %s gateway endpoint on route table %s and no %s interface endpoint",
	[key.need, name_of("route_tables", subnet.route_table), key.need],
) if {
	key.kind == "endpoint"
	key.need in gateway_services
} else := sprintf("no %s interface endpoint", [key.need]) if {
	key.kind == "endpoint"
} else := sprintf("%s is reachable only over the internet", [key.need]) if {
	key.region == null
} else := sprintf(
	"%s in %s is reachable only over the internet (endpoints serve only their own region)",
	[key.need, key.region],
)

# fg202_detail: what the need lacks, what a ::/0 route of a subnet without IPv6 carries, and
# that a subnet on its VPC's main route table has no association of its own.
fg202_detail(subnet, key, ra) := concat("", [
	nothing_for(subnet, key),
	unused_ipv6_route(subnet, ra),
	main_route_table_text(subnet),
])

# on_main_route_table: the subnet uses its VPC's main route table, which a subnet without a
# route-table association falls back to.
on_main_route_table(subnet) if {
	subnet.route_table == input.vpcs[subnet.vpc].main_route_table
}

main_route_table_text(subnet) := concat("", [
	"; the subnet has no route-table association, ",
	"so it uses the VPC's main route table",
]) if {
	on_main_route_table(subnet)
} else := ""

# A subnet that the inputs settle has no IPv6 block gives its tasks no IPv6 address, so its
# ::/0 route carries nothing: no path that leaves the analysed scope (FG206).
without_ipv6(subnet) if object.get(subnet, "ipv6", null) == false

# unused_ipv6_route: what FG202 adds about such a subnet's ::/0 route.
unused_ipv6_route(subnet, ra) := sprintf(
	"; ::/0 -> %s carries nothing, since the subnet has no IPv6 CIDR block",
	[route_target_text(r6)],
) if {
	without_ipv6(subnet)
	r6 := ipv6_default_route(input.route_tables[ra.route_table])
} else := ""
