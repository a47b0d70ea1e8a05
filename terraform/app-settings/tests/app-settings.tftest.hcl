mock_provider "aws" {}

variables {
  environment = "dev"
  region      = "eu-west-1"
  service     = "sample-service"
  settings = {
    LOG_LEVEL = "debug"
  }
}

run "settings_become_namespaced_parameters" {
  command = plan

  assert {
    condition     = aws_ssm_parameter.setting["LOG_LEVEL"].name == "/deploy/dev/sample-service/LOG_LEVEL" && aws_ssm_parameter.setting["LOG_LEVEL"].type == "String"
    error_message = "Settings must be published under /<project>/<environment>/<service>/."
  }
}

run "rejects_secrets_in_plain_settings" {
  command = plan
  variables {
    settings = { DB_PASSWORD = "hunter2" }
  }
  expect_failures = [var.settings]
}
