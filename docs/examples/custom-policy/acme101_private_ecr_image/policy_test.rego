# METADATA
# description: ACME101, one case per way it fires or stays silent.
package fargate_preflight.rules.acme101_test

import rego.v1

src(line) := {"file": "service.yaml", "line": line, "pointer": ""}

# model is one Fargate service whose task definition runs the given images.
model(images) := {
	"region": "us-east-1",
	"task_definitions": {"TaskDef": {
		"id": "TaskDef", "name": "TaskDef", "requires_compatibilities": ["FARGATE"],
		"network_mode": "awsvpc", "source": src(10),
		"containers": [{"name": sprintf("c%d", [i]), "image": image, "source": src(20 + i)} |
			some i, image in images
		],
	}},
	"services": {"Service": {
		"id": "Service", "name": "Service", "kind": "service", "task_definition": "TaskDef",
		"launch_type": "FARGATE", "capacity_provider_strategy": null, "cluster": null,
		"source": src(30),
	}},
	"clusters": {},
}

messages(images) := {f.message | some f in data.fargate_preflight.rules.acme101.deny with input as model(images)}

test_fires_for_public_registries if {
	messages(["public.ecr.aws/docker/library/nginx:latest", "nginx", "ghcr.io/acme/app:1"]) == {
		"service Service: container c0 uses image public.ecr.aws/docker/library/nginx:latest, which is not in a private ECR repository",
		"service Service: container c1 uses image nginx, which is not in a private ECR repository",
		"service Service: container c2 uses image ghcr.io/acme/app:1, which is not in a private ECR repository",
	}
}

test_silent_for_private_ecr if {
	messages([
		"123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1",
		"123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:abc",
	]) == set()
}

test_silent_for_an_unsettled_image if {
	messages([{"unknown": "parameter Image has no default", "ref": "Parameter Image", "source": src(5)}]) == set()
}

test_silent_for_a_service_not_on_fargate if {
	m := object.union(model(["nginx"]), {"services": {"Service": {"launch_type": "EC2"}}})
	{f | some f in data.fargate_preflight.rules.acme101.deny with input as m} == set()
}
