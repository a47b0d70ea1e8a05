environment = "dev"
# region: not here. It is the pipeline stack's region (AWS_REGION or TF_VAR_region, see README).

vpc_cidr           = "10.10.0.0/16"
az_count           = 2
single_nat_gateway = true

github_org        = "example-org"
github_repository = "sample-service"
github_branch     = "main"
deploy_namespaces = ["sample-service"]

node_instance_types = ["t3.medium"]
node_min_size       = 1
node_max_size       = 4
node_desired_size   = 2

ecr_repository_names   = ["sample-service"]
ecr_keep_tagged_images = 20

db_instance_class        = "db.t4g.medium"
db_allocated_storage_gib = 20
db_backup_retention_days = 7
db_deletion_protection   = false
db_skip_final_snapshot   = true

log_retention_days = 30
