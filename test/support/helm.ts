// Helm for the suites: the same binary `deployctl local` uses (lib/local/helm-binary.ts).
export { helmBinary } from '../../lib/local/helm-binary';
