environment = "dev"
region      = "eu-west-1"
service     = "sample-service"

settings = {
  LOG_LEVEL      = "debug"
  FEATURE_BANNER = "on"
}
