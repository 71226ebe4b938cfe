import type { ParaphError } from '../errors';
import { createPackage, type CreatePackageInput } from '../packaging/create-package';
import type { PackagingDeps } from '../packaging/deps';
import type { OperationHandler } from './soap-endpoint';

/** PackagingService v4: create-package. Its errors travel in the response (`error{code,message}`). */
export function packagingServiceHandlers(deps: PackagingDeps): Record<string, OperationHandler> {
  return {
    'create-package': async (input, account) => {
      const created = await createPackage(deps, account, input as unknown as CreatePackageInput);
      return { id: created.id };
    },
  };
}

/** The in-band error of create-package: no id, an error with the catalogue code and a message. */
export function packagingError(error: ParaphError): object {
  return { error: { code: error.code, message: error.message } };
}
