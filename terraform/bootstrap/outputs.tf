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

output "github_oidc_provider_arn" {
  description = "The account's GitHub Actions OIDC provider created here (null when create_github_oidc_provider is false)."
  value       = one(aws_iam_openid_connect_provider.github[*].arn)
}
