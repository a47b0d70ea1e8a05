mock_provider "aws" {}

variables {
  environment = "dev"
  region      = "eu-west-1"
  service     = "sample-service"
  settings = {
    LOG_LEVEL       = "debug"
    PASSENGER_LIMIT = "4"
    KEYSPACE        = "orders"
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

# Each key alone, so every one of them must be refused (one accepted key would fail the run).
run "rejects_an_api_key" {
  command = plan
  variables {
    settings = { PAYMENT_API_KEY = "x" }
  }
  expect_failures = [var.settings]
}

run "rejects_a_short_password_name" {
  command = plan
  variables {
    settings = { SMTP_PASS = "x" }
  }
  expect_failures = [var.settings]
}

run "rejects_credentials" {
  command = plan
  variables {
    settings = { GOOGLE_APPLICATION_CREDENTIALS = "x" }
  }
  expect_failures = [var.settings]
}

run "rejects_a_dsn" {
  command = plan
  variables {
    settings = { SENTRY_DSN = "x" }
  }
  expect_failures = [var.settings]
}

run "rejects_a_token" {
  command = plan
  variables {
    settings = { slackToken = "x" }
  }
  expect_failures = [var.settings]
}

run "rejects_a_database_url" {
  command = plan
  variables {
    settings = { DATABASE_URL = "x" }
  }
  expect_failures = [var.settings]
}
