"""The Terraform plan source, in pipeline order: `plan` reads `terraform show -json`, `hcl` finds
the `.tf` lines, `traversal` and `links` follow references to resources whose ids are unknown
until apply, `network`/`iam`/`ecs` build model objects, `finalize` makes AWS defaults explicit."""
