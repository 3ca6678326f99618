// Partner webhooks, the operators' routes (ADMIN_API_KEYS): endpoints under
// /admin/webhook-endpoints and the delivery log under /admin/webhook-deliveries.
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ProblemDto } from '../admin/dto/problem.dto.js';
import { AdminApiKeyGuard } from '../partner-auth/admin-key.guard.js';
import { UUID_ID_PIPE } from '../common/uuid-param.pipe.js';
import {
  ListWebhookDeliveriesQueryDto,
  WebhookDeliveryDto,
  WebhookDeliveryListDto,
} from './dto/webhook-deliveries.dto.js';
import {
  CreateWebhookEndpointDto,
  ReplayAcceptedDto,
  ReplayWebhookEventsDto,
  RotatedSecretDto,
  UpdateWebhookEndpointDto,
  WebhookEndpointCreatedDto,
  WebhookEndpointDto,
  WebhookEndpointListDto,
} from './dto/webhook-endpoints.dto.js';
import { WebhooksAdminService } from './webhooks-admin.service.js';

const ENDPOINT_ID = { name: 'id', format: 'uuid', description: 'The webhook endpoint id' };

@ApiTags('admin: webhooks')
@ApiBearerAuth('admin')
@ApiUnauthorizedResponse({ description: 'No admin key, or not an admin key', type: ProblemDto })
@UseGuards(AdminApiKeyGuard)
@Controller('admin/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(private readonly webhooks: WebhooksAdminService) {}

  @Post()
  @ApiOperation({
    summary: 'Add a webhook endpoint',
    description:
      'Every change of a verification is then POSTed to `url`, signed (Standard Webhooks). The answer holds the ' +
      'signing secret: it is shown only here and on rotation.',
  })
  @ApiCreatedResponse({ type: WebhookEndpointCreatedDto })
  @ApiBadRequestResponse({
    description: 'A field is invalid, or the URL is refused (named `url`)',
    type: ProblemDto,
  })
  create(@Body() body: CreateWebhookEndpointDto): Promise<WebhookEndpointCreatedDto> {
    return this.webhooks.create(body);
  }

  @Get()
  @ApiOperation({
    summary: 'List webhook endpoints',
    description: 'Newest first. Secrets are never shown here.',
  })
  @ApiOkResponse({ type: WebhookEndpointListDto })
  list(): Promise<WebhookEndpointListDto> {
    return this.webhooks.list();
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a webhook endpoint',
    description:
      'Any of `url`, `events`, `enabled`, `description`. Disabling keeps pending deliveries waiting.',
  })
  @ApiParam(ENDPOINT_ID)
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiBadRequestResponse({ description: 'A field is invalid, or the URL is refused', type: ProblemDto })
  @ApiNotFoundResponse({ description: 'No such endpoint', type: ProblemDto })
  update(
    @Param('id', UUID_ID_PIPE) id: string,
    @Body() body: UpdateWebhookEndpointDto,
  ): Promise<WebhookEndpointDto> {
    return this.webhooks.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a webhook endpoint',
    description: 'Its deliveries (and their log) go with it.',
  })
  @ApiParam(ENDPOINT_ID)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ description: 'No such endpoint', type: ProblemDto })
  async remove(@Param('id', UUID_ID_PIPE) id: string): Promise<void> {
    await this.webhooks.remove(id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate the signing secret',
    description:
      'Answers the new secret (shown once). For 24 hours every delivery carries two signatures, one per secret, ' +
      'so the receiver can switch at its own pace.',
  })
  @ApiParam(ENDPOINT_ID)
  @ApiOkResponse({ type: RotatedSecretDto })
  @ApiNotFoundResponse({ description: 'No such endpoint', type: ProblemDto })
  rotate(@Param('id', UUID_ID_PIPE) id: string): Promise<RotatedSecretDto> {
    return this.webhooks.rotateSecret(id);
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a test event',
    description:
      'Queues a `webhook.test` event for this endpoint (even a disabled one) and sends it at once; follow it in ' +
      '`GET /admin/webhook-deliveries?endpointId=`.',
  })
  @ApiParam(ENDPOINT_ID)
  @ApiAcceptedResponse({ type: WebhookDeliveryDto })
  @ApiNotFoundResponse({ description: 'No such endpoint', type: ProblemDto })
  test(@Param('id', UUID_ID_PIPE) id: string): Promise<WebhookDeliveryDto> {
    return this.webhooks.sendTest(id);
  }

  @Post(':id/replay')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Re-send the events of a period',
    description:
      'Every verification event created in [since, until) that the endpoint subscribes to is delivered again ' +
      '(same event id, so receivers dedupe), with a fresh retry schedule.',
  })
  @ApiParam(ENDPOINT_ID)
  @ApiAcceptedResponse({ type: ReplayAcceptedDto })
  @ApiBadRequestResponse({ description: '`since` or `until` is invalid', type: ProblemDto })
  @ApiNotFoundResponse({ description: 'No such endpoint', type: ProblemDto })
  replay(
    @Param('id', UUID_ID_PIPE) id: string,
    @Body() body: ReplayWebhookEventsDto,
  ): Promise<ReplayAcceptedDto> {
    return this.webhooks.replay(id, body);
  }
}

@ApiTags('admin: webhooks')
@ApiBearerAuth('admin')
@ApiUnauthorizedResponse({ description: 'No admin key, or not an admin key', type: ProblemDto })
@UseGuards(AdminApiKeyGuard)
@Controller('admin/webhook-deliveries')
export class WebhookDeliveriesController {
  constructor(private readonly webhooks: WebhooksAdminService) {}

  @Get()
  @ApiOperation({
    summary: 'The delivery log',
    description:
      'One row per endpoint and event with its attempts and last outcome, newest first, keyset-paginated: pass ' +
      '`nextCursor` back as `cursor` with the same filters.',
  })
  @ApiOkResponse({ type: WebhookDeliveryListDto })
  @ApiBadRequestResponse({
    description: 'A parameter is invalid or unknown, or the cursor is not ours',
    type: ProblemDto,
  })
  list(@Query() query: ListWebhookDeliveriesQueryDto): Promise<WebhookDeliveryListDto> {
    return this.webhooks.listDeliveries(query);
  }

  @Post(':id/retry')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a delivery again now',
    description: 'Whatever its status; it starts a fresh retry schedule if this attempt fails.',
  })
  @ApiParam({ name: 'id', description: 'The delivery id', example: '1042' })
  @ApiAcceptedResponse({ type: WebhookDeliveryDto })
  @ApiBadRequestResponse({ description: '`id` is not a delivery id', type: ProblemDto })
  @ApiNotFoundResponse({ description: 'No such delivery', type: ProblemDto })
  @ApiConflictResponse({ description: 'An attempt is in flight', type: ProblemDto })
  retry(@Param('id') id: string): Promise<WebhookDeliveryDto> {
    return this.webhooks.retry(id);
  }
}
