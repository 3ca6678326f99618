// Request bodies the load workers send. Deterministic per id, so a duplicate callback is
// byte-for-byte the first one (same submissionId, status and result: a true provider duplicate).
import { createHash } from 'node:crypto';

const FIRST = ['BUDI', 'SITI', 'AGUS', 'DEWI', 'RINA', 'ANDI', 'PUTRI', 'EKO'];
const LAST = ['SANTOSO', 'WIJAYA', 'LESTARI', 'HIDAYAT', 'SAPUTRA', 'PERMATA'];

/**
 * Image URLs valid long after any run (epoch seconds of 2100-01-01): the scenarios that send these
 * callbacks run the service with EVIDENCE_CONCURRENCY=0, so their downloads stay queued (the
 * archive is measured by the evidence scenario, against images the sandbox really serves).
 */
const IMAGE_URLS_EXPIRE = 4102444800;

/** The user a bench submission belongs to, derived from its id (the rows and the callbacks agree). */
export const benchUserId = (submissionId) => `bench-user-${submissionId.slice(0, 8)}`;

/** A completion callback as the provider sends it, about 1.2 KiB, for the session's own user. */
export function callbackBody(partnerSessionId, n) {
  const h = createHash('sha1').update(partnerSessionId).digest('hex');
  const submissionId = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  const nik = `3171${String(parseInt(h.slice(0, 10), 16) % 1e12).padStart(12, '0')}`;
  const img = (kind) =>
    `http://127.0.0.1:4010/sandbox/images/${submissionId}/${kind}?expires=${IMAGE_URLS_EXPIRE}&signature=${'0'.repeat(64)}`;
  return JSON.stringify({
    submissionId,
    userId: benchUserId(partnerSessionId),
    userIdType: 'USER_ID',
    partnerSessionId,
    status: 'COMPLETED',
    result: 'VALID',
    reasonCode: null,
    submissionDetails: {
      verificationResult: { nik: 'PASS', name: 'PASS', dateOfBirth: 'PASS', selfie: 'PASS' },
      ktpData: {
        nik,
        name: `${FIRST[n % FIRST.length]} ${LAST[n % LAST.length]}`,
        region: 'DKI JAKARTA',
        dateOfBirth: '17-08-1990',
        bloodType: 'O',
        religion: 'ISLAM',
        province: 'DKI JAKARTA',
        city: 'JAKARTA SELATAN',
        address: `JL. MELATI NO. ${n % 120}`,
        district: 'KEBAYORAN BARU',
        town: 'SENAYAN',
        gender: 'LAKI-LAKI',
        rt: '001',
        rw: '002',
        occupation: 'KARYAWAN SWASTA',
        validUntil: 'SEUMUR HIDUP',
        citizenship: 'WNI',
        maritalStatus: 'KAWIN',
        issuanceDate: '01-02-2015',
      },
      certificateRegistration: { eligibleToActivate: true, onboardingCode: 'NEW_USER', shouldSkipActivation: true },
      imageUrls: { KTP: img('KTP'), SELFIE: img('SELFIE'), ADDITIONAL_SELFIE: img('ADDITIONAL_SELFIE') },
    },
  });
}

/** POST /v1/verifications body for a distinct user. */
export function initiateBody(prefix, n) {
  return JSON.stringify({
    userId: `${prefix}-${n}`,
    userIdType: 'USER_ID',
    phoneNumber: `62812${String(n % 1e8).padStart(8, '0')}`,
    verification: { isVerified: true, verificationReferenceId: `otp-${prefix}-${n}` },
    userLocale: 'id_ID',
  });
}
