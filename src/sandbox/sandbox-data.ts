// Synthetic but well-formed results: KTP data with a 16-digit NIK whose region and birth date
// agree with the other fields (as a real e-KTP's would), names, dates, and per-check results that
// agree with the chosen result and reason code. Nothing here belongs to a real person.
import type {
  KtpData,
  OneKycSubmissionResult,
  OneKycSubmissionStatus,
  VerificationResult,
} from '../onekyc/onekyc.types.js';
import { pick, Random, randomInt } from './sandbox-random.js';

const REGIONS = [
  { code: '3171', province: 'DKI JAKARTA', city: 'KOTA JAKARTA SELATAN', region: 'JAKARTA' },
  { code: '3273', province: 'JAWA BARAT', city: 'KOTA BANDUNG', region: 'BANDUNG' },
  { code: '3374', province: 'JAWA TENGAH', city: 'KOTA SEMARANG', region: 'SEMARANG' },
  { code: '3471', province: 'DI YOGYAKARTA', city: 'KOTA YOGYAKARTA', region: 'YOGYAKARTA' },
  { code: '3578', province: 'JAWA TIMUR', city: 'KOTA SURABAYA', region: 'SURABAYA' },
  { code: '5171', province: 'BALI', city: 'KOTA DENPASAR', region: 'DENPASAR' },
] as const;
const FIRST = [
  'ADI',
  'AYU',
  'BAYU',
  'CITRA',
  'DIMAS',
  'EKA',
  'FAJAR',
  'GITA',
  'HADI',
  'INDAH',
  'JOKO',
  'KARTIKA',
];
const LAST = [
  'PRATAMA',
  'SARI',
  'WIJAYA',
  'LESTARI',
  'SANTOSO',
  'PUTRI',
  'HIDAYAT',
  'KUSUMA',
  'NUGROHO',
  'RAHAYU',
];
const DISTRICTS = ['TEBET', 'COBLONG', 'CANDISARI', 'GONDOKUSUMAN', 'GUBENG', 'DENPASAR SELATAN'];
const TOWNS = ['MANGGARAI', 'DAGO', 'JATINGALEH', 'KOTABARU', 'AIRLANGGA', 'SESETAN'];
const STREETS = ['JL. MELATI', 'JL. MAWAR', 'JL. KENANGA', 'JL. CEMPAKA', 'JL. ANGGREK'];
const RELIGIONS = ['ISLAM', 'KRISTEN', 'KATOLIK', 'HINDU', 'BUDDHA', 'KONGHUCU'];
const OCCUPATIONS = [
  'KARYAWAN SWASTA',
  'PELAJAR/MAHASISWA',
  'WIRASWASTA',
  'PEGAWAI NEGERI SIPIL',
  'MENGURUS RUMAH TANGGA',
];
const MARITAL = ['BELUM KAWIN', 'KAWIN', 'CERAI HIDUP'];
const BLOOD = ['-', 'A', 'B', 'AB', 'O'];

const pad = (n: number, w: number) => String(n).padStart(w, '0');

export function syntheticKtp(random: Random): KtpData {
  const region = pick(random, REGIONS);
  const female = random() < 0.5;
  const year = randomInt(random, 1960, 2005);
  const month = randomInt(random, 1, 12);
  const day = randomInt(random, 1, 28);
  const district = randomInt(random, 1, 30);
  // NIK: 4-digit regency, 2-digit district, DDMMYY (day + 40 for women), 4-digit serial.
  const nik =
    region.code +
    pad(district, 2) +
    pad(day + (female ? 40 : 0), 2) +
    pad(month, 2) +
    pad(year % 100, 2) +
    pad(randomInt(random, 1, 9999), 4);
  return {
    nik,
    name: `${pick(random, FIRST)} ${pick(random, LAST)}`,
    region: region.region,
    dateOfBirth: `${pad(day, 2)}-${pad(month, 2)}-${year}`,
    bloodType: pick(random, BLOOD),
    religion: pick(random, RELIGIONS),
    province: region.province,
    city: region.city,
    address: `${pick(random, STREETS)} NO. ${randomInt(random, 1, 120)}`,
    district: pick(random, DISTRICTS),
    town: pick(random, TOWNS),
    gender: female ? 'female' : 'male',
    rt: pad(randomInt(random, 1, 20), 3),
    rw: pad(randomInt(random, 1, 15), 3),
    occupation: pick(random, OCCUPATIONS),
    validUntil: 'SEUMUR HIDUP',
    citizenship: 'INDONESIA',
    maritalStatus: pick(random, MARITAL),
    issuanceDate: `${pad(randomInt(random, 1, 28), 2)}-${pad(randomInt(random, 1, 12), 2)}-${randomInt(random, 2012, 2024)}`,
  };
}

/** The reason code the provider would give for a result, when the caller chose none. */
export function defaultReasonCode(
  status: OneKycSubmissionStatus,
  result: OneKycSubmissionResult | undefined,
): string | null {
  if (status === 'ERROR') return 'SYSTEM_ERROR';
  if (status !== 'COMPLETED') return null;
  if (result === 'INVALID') return 'DUKCAPIL_REJECTED';
  if (result === 'REJECTED') return 'FRAUD_REJECT';
  return null;
}

/** Per-check results consistent with the outcome (which check failed follows the reason code). */
export function verificationFor(
  status: OneKycSubmissionStatus,
  result: OneKycSubmissionResult | undefined,
  reasonCode: string | null,
): VerificationResult | undefined {
  if (status !== 'COMPLETED') return undefined;
  const all: VerificationResult = { nik: 'PASS', name: 'PASS', dateOfBirth: 'PASS', selfie: 'PASS' };
  if (result === 'VALID') return all;
  switch (reasonCode) {
    case 'LIVENESS_CHECK_FAILED':
    case 'AETHER_VERIFICATION_FAILED':
    case 'FRAUD_REJECT':
      return { ...all, selfie: 'FAIL' };
    case 'DUKCAPIL_REJECTED':
    case 'NOT_EKTP':
      return { ...all, nik: 'FAIL', name: 'FAIL', dateOfBirth: 'FAIL' };
    default:
      return { ...all, name: 'FAIL' };
  }
}
