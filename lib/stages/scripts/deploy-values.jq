# Generated from lib/contracts/deploy-values.ts (deployInputsJqFilter); test/stages/deploy-values-filter.test.ts
# requires this file to equal it. `terraform output -json | jq -c -f deploy-values.jq` prints the
# DeployInputs document: { cluster, region?, deployNetwork?, helmSet: [flag, value, ...] }.
if has("cluster_name") | not then error("output \"cluster_name\" is missing (or null)") else . end
| {
  cluster: .cluster_name.value,
  helmSet: ((if has("db_address") then ["--set-string", ("database.host=" + (.db_address.value | tostring | gsub("\\\\"; "\\\\") | gsub(","; "\\,")))] else error("output \"db_address\" is missing (or null)") end) + (if has("db_port") then ["--set", ("database.port=" + (.db_port.value | tostring | gsub("\\\\"; "\\\\") | gsub(","; "\\,")))] else [] end) + (if has("db_name") then ["--set-string", ("database.name=" + (.db_name.value | tostring | gsub("\\\\"; "\\\\") | gsub(","; "\\,")))] else [] end))
}
+ (if has("region") then { region: .region.value } else {} end)
+ (if has("deploy_network") then { deployNetwork: .deploy_network.value } else {} end)
