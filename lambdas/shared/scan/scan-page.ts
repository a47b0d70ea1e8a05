import * as z from 'zod';

/**
 * One page of a `DescribeImageScanFindings` response, reduced to the fields the gate reads. Shapes
 * from the ECR API reference (DescribeImageScanFindings, ImageScanFindings, ImageScanFinding,
 * EnhancedImageScanFinding): https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeImageScanFindings.html
 * Every field is optional there; unknown fields are ignored, so a response AWS extends still parses.
 * Timestamps are not read (the SDK gives `Date`s, the CLI strings or epoch seconds).
 */

const attributeSchema = z.object({ key: z.string(), value: z.string().optional() });

/** Basic scanning: one finding per CVE and package; the package is in `attributes`. */
export const basicFindingSchema = z.object({
  name: z.string().optional(),
  severity: z.string().optional(),
  uri: z.string().optional(),
  attributes: z.array(attributeSchema).optional(),
});

const vulnerablePackageSchema = z.object({
  name: z.string().optional(),
  version: z.string().optional(),
  release: z.string().optional(),
  epoch: z.number().optional(),
  fixedInVersion: z.string().optional(),
  filePath: z.string().optional(),
});

/** Enhanced scanning (Amazon Inspector): one finding per CVE, naming each vulnerable package. */
export const enhancedFindingSchema = z.object({
  findingArn: z.string().optional(),
  title: z.string().optional(),
  severity: z.string().optional(),
  status: z.string().optional(),
  fixAvailable: z.string().optional(),
  packageVulnerabilityDetails: z
    .object({
      vulnerabilityId: z.string().optional(),
      vulnerablePackages: z.array(vulnerablePackageSchema).optional(),
    })
    .optional(),
});

export const scanPageSchema = z.object({
  registryId: z.string().optional(),
  repositoryName: z.string().optional(),
  imageId: z.object({ imageDigest: z.string().optional(), imageTag: z.string().optional() }).optional(),
  imageScanStatus: z.object({ status: z.string().optional(), description: z.string().optional() }).optional(),
  imageScanFindings: z
    .object({
      findings: z.array(basicFindingSchema).optional(),
      enhancedFindings: z.array(enhancedFindingSchema).optional(),
      findingSeverityCounts: z.record(z.string(), z.number()).optional(),
      imageScanCompletedAt: z.unknown().optional(),
    })
    .optional(),
  /** "This value is null when there are no more results to return." */
  nextToken: z.string().nullish(),
  /** The AWS CLI's name for a truncated result (`--max-items`): the saved output is incomplete. */
  NextToken: z.string().nullish(),
});

export type ScanPage = z.output<typeof scanPageSchema>;
export type BasicFinding = z.output<typeof basicFindingSchema>;
export type EnhancedFinding = z.output<typeof enhancedFindingSchema>;
