// The failures of the webhook admin routes, by code (status and problem type: the PROBLEMS table
// in src/common/problem-details.filter.ts).
import { SimpleFeatureError } from '../common/problem.js';

export type WebhooksErrorCode =
  'WEBHOOK_ENDPOINT_NOT_FOUND' | 'WEBHOOK_DELIVERY_NOT_FOUND' | 'WEBHOOK_DELIVERY_IN_FLIGHT';

export class WebhooksError extends SimpleFeatureError<WebhooksErrorCode> {}
