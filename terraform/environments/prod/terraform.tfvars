environment = "prod"
# region: not here. It is the pipeline stack's region (AWS_REGION or TF_VAR_region, see README).

vpc_cidr           = "10.20.0.0/16"
az_count           = 3
single_nat_gateway = false

github_org        = "example-org"
github_repository = "sample-service"
github_branch     = "main"
deploy_namespaces = ["sample-service"]

node_instance_types = ["t3.large"]
node_min_size       = 2
node_max_size       = 8
node_desired_size   = 3

ecr_repository_names   = ["sample-service"]
ecr_keep_tagged_images = 50

db_instance_class            = "db.m6g.large"
db_allocated_storage_gib     = 100
db_max_allocated_storage_gib = 500
db_backup_retention_days     = 30
db_deletion_protection       = true
db_skip_final_snapshot       = false

log_retention_days = 365
