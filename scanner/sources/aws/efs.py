"""EFS: the file systems task definitions mount, with their mount targets (NFS on 2049)."""

from __future__ import annotations

from scanner.sources.aws.calls import Reader
from scanner.sources.aws.where import Scope, named
from scanner.sources.base import Fragment


def export(reader: Reader, scope: Scope, fragment: Fragment, file_systems: set[str]) -> set[str]:
    """Adds the file systems and their mount targets; returns the mount targets' subnets."""
    subnets: set[str] = set()
    for fs_id in sorted(file_systems):
        found = reader.all("efs", "DescribeFileSystems", "FileSystems", FileSystemId=fs_id)
        if not found:
            continue
        arn = found[0].get("FileSystemArn") or scope.arn(
            "elasticfilesystem", f"file-system/{fs_id}"
        )
        fragment.add("efs_file_systems", named(fs_id, arn))
        targets = reader.all("efs", "DescribeMountTargets", "MountTargets", FileSystemId=fs_id)
        for target in targets or []:
            target_id = target["MountTargetId"]
            groups = reader.one("efs", "DescribeMountTargetSecurityGroups", MountTargetId=target_id)
            gap = reader.gap("efs", "DescribeMountTargetSecurityGroups")
            subnets.add(target["SubnetId"])
            fragment.add(
                "efs_mount_targets",
                named(
                    target_id,
                    f"{arn}/mount-target/{target_id}",
                    file_system=fs_id,
                    subnet=target["SubnetId"],
                    security_groups=(
                        list(groups["SecurityGroups"])
                        if groups is not None
                        else gap.unknown(f"the security groups of {target_id}")
                        if gap
                        else []
                    ),
                ),
            )
    return subnets
