# METADATA
# title: Container image is not in private ECR
# description: |
#   Company policy: every container image of a Fargate service comes from a private Amazon ECR
#   repository (ACCOUNT.dkr.ecr.REGION.amazonaws.com), where images are scanned and from which
#   tasks pull without internet access.
# custom:
#   id: ACME101
#   level: error
#   remediation: Push the image to a private ECR repository and use its ECR URI in the task definition.
#   tags: [acme, supply-chain]
#   examples:
#     failing: |
#       ContainerDefinitions:
#         - Name: web
#           Image: public.ecr.aws/docker/library/nginx:latest
#     passing: |
#       ContainerDefinitions:
#         - Name: web
#           Image: !Sub ${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/nginx:1.27
package fargate_preflight.rules.acme101

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some sid in data.fargate_preflight.lib.taskdef.analysed # services launched on Fargate
	svc := input.services[sid]
	td := input.task_definitions[svc.task_definition]
	some c in td.containers
	is_string(c.image) # an image the inputs do not settle is left alone
	not data.fargate_preflight.lib.needs.private_ecr_region(c.image)
	entry := data.fargate_preflight.lib.result.finding({
		"resource": td.name,
		"service": svc.name,
		"message": sprintf(
			"service %s: container %s uses image %s, which is not in a private ECR repository",
			[svc.name, c.name, c.image],
		),
		"fix": sprintf("Push %s to a private ECR repository and use its ECR URI in container %s.", [c.image, c.name]),
		"source": c.source,
	})
}
