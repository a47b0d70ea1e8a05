# Mock-applies the module with a mocked AWS provider: no account or network needed.
mock_provider "aws" {}

variables {
  identifier                = "orders-test"
  vpc_id                    = "vpc-0123456789abcdef0"
  subnet_ids                = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]
  allowed_security_group_id = "sg-0eks0000000000001"
  monitoring_role_arn       = "arn:aws:iam::123456789012:role/orders-test-rds-monitoring"
}

# First, on an empty state: the snapshot name carries the time of the plan that creates the instance,
# so a replacement (a new instance under the same identifier) gets a new name instead of failing with
# DBSnapshotAlreadyExists. That an existing instance keeps its name (ignore_changes) is checked by the
# layout test: mocked runs finish within the name's one-second resolution, so a run here could not fail.
run "final_snapshot_name_is_unique_per_instance" {
  command = plan

  variables {
    skip_final_snapshot = false
  }

  assert {
    # The name's time, read back as RFC 3339, lies within a minute of this plan's time.
    condition = (
      timecmp(timeadd(format("%s-%s-%sT%s:%s:%sZ", regex("^orders-test-final-(\\d{4})(\\d{2})(\\d{2})(\\d{2})(\\d{2})(\\d{2})$", aws_db_instance.this.final_snapshot_identifier)...), "60s"), plantimestamp()) >= 0 &&
      timecmp(format("%s-%s-%sT%s:%s:%sZ", regex("^orders-test-final-(\\d{4})(\\d{2})(\\d{2})(\\d{2})(\\d{2})(\\d{2})$", aws_db_instance.this.final_snapshot_identifier)...), timeadd(plantimestamp(), "60s")) <= 0
    )
    error_message = "The final snapshot name must be <identifier>-final-<UTC time of the creation plan, YYYYMMDDhhmmss>."
  }

  assert {
    condition     = can(regex("^orders-test-final-[0-9]{14}$", aws_db_instance.this.final_snapshot_identifier))
    error_message = "The final snapshot name must be <identifier>-final- and 14 digits of time."
  }

  assert {
    condition     = aws_db_instance.this.final_snapshot_identifier != "orders-test-final"
    error_message = "The final snapshot name must not be the fixed <identifier>-final, which exists after the first deletion."
  }
}

run "database_is_multi_az_encrypted_and_private" {
  command = apply

  assert {
    condition     = aws_db_instance.this.multi_az
    error_message = "The database must be Multi-AZ."
  }

  assert {
    condition     = aws_db_instance.this.storage_encrypted
    error_message = "Database storage must be encrypted."
  }

  assert {
    condition     = aws_db_instance.this.publicly_accessible == false
    error_message = "The database must not be publicly accessible."
  }

  assert {
    condition     = aws_db_instance.this.engine == "postgres" && startswith(aws_db_instance.this.engine_version, "15")
    error_message = "The database must run PostgreSQL 15."
  }

  assert {
    condition     = aws_db_instance.this.manage_master_user_password && aws_db_instance.this.password == null
    error_message = "The master password must be managed by RDS in Secrets Manager, never set in Terraform."
  }

  assert {
    condition     = aws_db_instance.this.backup_retention_period >= 7
    error_message = "Backups must be kept for at least 7 days."
  }

  assert {
    condition     = toset(aws_db_subnet_group.this.subnet_ids) == toset(var.subnet_ids)
    error_message = "The database must live in the given private subnets."
  }

  assert {
    condition     = contains([for p in aws_db_parameter_group.this.parameter : "${p.name}=${p.value}"], "rds.force_ssl=1")
    error_message = "Connections must be forced onto TLS."
  }
}

run "only_the_eks_security_group_reaches_5432" {
  command = apply

  assert {
    condition     = aws_vpc_security_group_ingress_rule.postgres_from_eks.referenced_security_group_id == var.allowed_security_group_id
    error_message = "The ingress rule must reference the EKS security group."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.postgres_from_eks.from_port == 5432 && aws_vpc_security_group_ingress_rule.postgres_from_eks.to_port == 5432 && aws_vpc_security_group_ingress_rule.postgres_from_eks.ip_protocol == "tcp"
    error_message = "The ingress rule must open TCP 5432 only."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.postgres_from_eks.cidr_ipv4 == null && aws_vpc_security_group_ingress_rule.postgres_from_eks.cidr_ipv6 == null && aws_vpc_security_group_ingress_rule.postgres_from_eks.prefix_list_id == null
    error_message = "No CIDR or prefix list may reach the database."
  }

  # Inline rules cannot be seen here (a mocked provider leaves computed blocks empty); the layout test
  # checks that the module declares no inline rule and no other rule resource.
  assert {
    condition     = aws_vpc_security_group_ingress_rule.postgres_from_eks.security_group_id == aws_security_group.this.id && output.ingress_source_security_group_ids == [var.allowed_security_group_id]
    error_message = "The one ingress rule must belong to the database security group and admit only the EKS security group."
  }

  assert {
    condition     = aws_db_instance.this.vpc_security_group_ids == toset([aws_security_group.this.id])
    error_message = "The instance must use only its own security group."
  }
}

run "production_flags_protect_the_database" {
  command = plan

  variables {
    deletion_protection   = true
    skip_final_snapshot   = false
    backup_retention_days = 30
  }

  assert {
    condition     = aws_db_instance.this.deletion_protection
    error_message = "deletion_protection must reach the instance."
  }

  assert {
    condition     = !aws_db_instance.this.skip_final_snapshot && can(regex("^orders-test-final-[0-9]{14}$", aws_db_instance.this.final_snapshot_identifier))
    error_message = "A final snapshot must be taken when skip_final_snapshot is false, named <identifier>-final-<UTC time of the creation plan>."
  }

  assert {
    condition     = aws_db_instance.this.backup_retention_period == 30
    error_message = "backup_retention_days must reach the instance."
  }
}

run "throwaway_flags_skip_the_snapshot" {
  command = plan

  variables {
    deletion_protection = false
    skip_final_snapshot = true
  }

  assert {
    condition     = !aws_db_instance.this.deletion_protection && aws_db_instance.this.skip_final_snapshot
    error_message = "Dev flags must turn protection off and skip the snapshot."
  }
}

# One plan, several bad inputs: the run passes only if every listed variable rejects its value.
run "rejects_bad_input" {
  command = plan
  variables {
    backup_retention_days = 3
    engine_version        = "16.4"
    master_username       = "postgres"
    subnet_ids            = ["subnet-0aaaaaaaaaaaaaaa1"]
    identifier            = "Orders_DB"
  }
  expect_failures = [var.backup_retention_days, var.engine_version, var.master_username, var.subnet_ids, var.identifier]
}
