import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Service, ServiceAccount } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';

/** One rendered manifest; callers narrow the fields they check. */
export type KubernetesManifest = { apiVersion: string; kind: string } & Record<string, unknown>;

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'networking.k8s.io/v1/Ingress': Ingress,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

/**
 * Validates a manifest against the Kubernetes OpenAPI schema of its kind (`kubernetes-models`, which
 * misses unknown fields: check the fields that matter separately).
 * @throws Error naming the kind when there is no schema model for it, or the schema's error.
 */
export function validateManifest(manifest: KubernetesManifest): void {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (Model === undefined) throw new Error(`no schema model for ${manifest.apiVersion} ${manifest.kind}`);
  new Model(manifest as never).validate();
}

/**
 * The documents of `helm template` output, empty ones dropped.
 * @throws Error when a document is not valid YAML.
 */
export function parseManifests(text: string): KubernetesManifest[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`rendered invalid YAML: ${doc.errors[0]?.message}`);
      return doc.toJS() as KubernetesManifest | null;
    })
    .filter((m): m is KubernetesManifest => m !== null);
}
