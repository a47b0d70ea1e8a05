output "bucket_name" {
  description = "State bucket; pass it as `-backend-config=bucket=...` to every other root."
  value       = aws_s3_bucket.state.bucket
}

output "bucket_arn" {
  description = "ARN of the state bucket (grant the pipeline's Terraform builds access to it)."
  value       = aws_s3_bucket.state.arn
}

output "backend_config_example" {
  description = "The init flags of the dev infrastructure state."
  value       = "terraform init -backend-config=bucket=${aws_s3_bucket.state.bucket} -backend-config=key=environments/dev/terraform.tfstate -backend-config=region=${var.region}"
}
