output "identifier" {
  description = "RDS instance identifier (the DBInstanceIdentifier metric dimension)."
  value       = aws_db_instance.this.identifier
}

output "address" {
  description = "Host name of the database."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "PostgreSQL port."
  value       = aws_db_instance.this.port
}

output "database_name" {
  description = "Name of the application database."
  value       = aws_db_instance.this.db_name
}

output "security_group_id" {
  description = "Security group of the database."
  value       = aws_security_group.this.id
}

output "master_user_secret_arn" {
  description = "Secrets Manager secret holding the RDS-managed master credentials."
  value       = try(aws_db_instance.this.master_user_secret[0].secret_arn, null)
}

output "allocated_storage_gib" {
  description = "Storage the instance has now in GiB, including storage autoscaling as of the last refresh (the free-storage alarm threshold is derived from it)."
  value       = aws_db_instance.this.allocated_storage
}

output "final_snapshot_identifier" {
  description = "Name of the snapshot RDS takes when the instance is deleted (unused while skip_final_snapshot is true)."
  value       = aws_db_instance.this.final_snapshot_identifier
}

output "subnet_ids" {
  description = "Subnets of the database subnet group."
  value       = aws_db_subnet_group.this.subnet_ids
}

output "ingress_source_security_group_ids" {
  description = "Security groups admitted on 5432 (the whole ingress allow-list)."
  value       = [aws_vpc_security_group_ingress_rule.postgres_from_eks.referenced_security_group_id]
}

output "protection" {
  description = "The instance's safety settings, for policy checks of the composed environment."
  value = {
    multi_az            = aws_db_instance.this.multi_az
    storage_encrypted   = aws_db_instance.this.storage_encrypted
    publicly_accessible = aws_db_instance.this.publicly_accessible
    deletion_protection = aws_db_instance.this.deletion_protection
    final_snapshot      = !aws_db_instance.this.skip_final_snapshot
    backup_retention    = aws_db_instance.this.backup_retention_period
  }
}
