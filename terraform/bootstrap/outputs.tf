output "bucket_name" {
  description = "State bucket; pass it as `-backend-config=bucket=...` to every other root."
  value       = aws_s3_bucket.state.bucket
}

output "bucket_arn" {
  description = "ARN of the state bucket (grant the pipeline's Terraform builds access to it)."
  value       = aws_s3_bucket.state.arn
}

output "backend_config_example" {
  description = "The init command of an environment's infrastructure state, as the pipeline's Terraform builds run it (key <service>/<environment>/infra.tfstate)."
  value       = "terraform -chdir=terraform/environments/dev init -backend-config=bucket=${aws_s3_bucket.state.bucket} -backend-config=key=sample-service/dev/infra.tfstate -backend-config=region=${data.aws_region.current.name}"
}

output "github_oidc_provider_arn" {
  description = "The account's GitHub Actions OIDC provider created here (null when create_github_oidc_provider is false)."
  value       = one(aws_iam_openid_connect_provider.github[*].arn)
}
