// What other rooms need from the evidence archive, as one port its module binds
// (`{ provide: EVIDENCE_CATALOG, useExisting: EvidenceCatalog }`): the identity read lists a
// verification's archived images, and an erasure deletes them. Injected as optional: without the
// evidence room the identity read lists no images and an erasure has no objects to delete.

export interface EvidenceSummary {
  kind: 'KTP' | 'SELFIE' | 'ADDITIONAL_SELFIE';
  status: 'ARCHIVED' | 'PENDING' | 'FAILED' | 'EXPIRED' | 'ERASED';
  contentType: string | null;
  size: number | null;
  /** Hex SHA-256 of the image, once archived. */
  sha256: string | null;
}

export interface EvidencePort {
  /** The verification's evidence objects, one per kind known so far (no image bytes). */
  listForSubmission(submissionId: string): Promise<EvidenceSummary[]>;
  /** Marks these verifications' objects ERASED and deletes them from the store. Idempotent; answers how many were deleted. */
  eraseForSubmissions(submissionIds: string[]): Promise<number>;
}

export const EVIDENCE_CATALOG = Symbol('EVIDENCE_CATALOG');
