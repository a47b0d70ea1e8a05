environment = "prod"
region      = "eu-west-1"
service     = "sample-service"

settings = {
  LOG_LEVEL      = "info"
  FEATURE_BANNER = "off"
}
