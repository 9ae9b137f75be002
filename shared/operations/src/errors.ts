import { ApiError } from '@fleet/errors';

export function unknownInstance(instanceId: string): ApiError {
  return new ApiError('INSTANCE_NOT_FOUND', `no live instance ${instanceId}`, { instance: instanceId });
}
