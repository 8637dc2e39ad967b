"""Live AWS: a read-only boto3 export of ECS, VPC, EFS and IAM state into the input model.

boto3 is imported only here (the `aws` extra): scanning files never loads it.
"""
