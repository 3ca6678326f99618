// The two things other rooms need from the evidence archive, as ports the evidence room binds
// (`{ provide: EVIDENCE_CATALOG, useExisting: ... }` in a global module): the partner's identity
// read lists a verification's archived images, and an erasure deletes them. Both are optional
// injections: without the evidence room the identity read lists no images and erasure has none
// to delete.

export interface EvidenceSummary {
  kind: 'KTP' | 'SELFIE' | 'ADDITIONAL_SELFIE';
  status: 'ARCHIVED' | 'PENDING' | 'FAILED' | 'EXPIRED' | 'ERASED';
  contentType: string | null;
  size: number | null;
  /** Hex SHA-256 of the image as received (before encryption), once archived. */
  sha256: string | null;
}

export interface EvidenceCatalog {
  /** The verification's evidence objects, one per kind known so far (no image bytes). */
  listForVerification(verificationId: string): Promise<EvidenceSummary[]>;
}

export interface EvidenceEraser {
  /**
   * Deletes the stored images of these verifications for good and marks their objects ERASED.
   * Idempotent. Answers how many stored objects were deleted.
   */
  eraseForVerifications(verificationIds: string[]): Promise<{ objectsDeleted: number }>;
}

export const EVIDENCE_CATALOG = Symbol('EVIDENCE_CATALOG');
export const EVIDENCE_ERASER = Symbol('EVIDENCE_ERASER');
