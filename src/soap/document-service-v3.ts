import { addNotification } from '../documents/add-notification';
import { addTask } from '../documents/add-task';
import { createArtifact } from '../documents/create-artifact';
import { createRequest } from '../documents/create-request';
import { createUserSession } from '../documents/create-user-session';
import { deleteRequest } from '../documents/delete-request';
import type { DocumentDeps } from '../documents/deps';
import { disableNotification } from '../documents/disable-notification';
import { disableTask } from '../documents/disable-task';
import { findTasks } from '../documents/find-tasks';
import { getPackagingTaskStatus } from '../documents/get-packaging-task-status';
import { getRequest } from '../documents/get-request';
import { getRequestHistory } from '../documents/get-request-history';
import { getStatus } from '../documents/get-status';
import { getTask } from '../documents/get-task';
import { getTaskCount } from '../documents/get-task-count';
import { setClientStatus } from '../documents/set-client-status';
import type {
  Notification,
  Request,
  Task,
  TaskFilter,
  TaskFilterField,
  UserSession,
} from '../documents/wire-types';
import type { OperationHandler } from './soap-endpoint';
import type { WireObject, WireValue } from './wire-value';

/**
 * DocumentService v3: each WSDL operation mapped to its domain operation. The decoder has already
 * shaped the payload after the schema, so the casts below only name what the schema guarantees.
 */
function as<T>(value: WireValue): T {
  return value as unknown as T;
}
function str(input: WireObject, key: string): string | undefined {
  const v = input[key];
  return typeof v === 'string' ? v : undefined;
}
function strings(input: WireObject, key: string): string[] {
  return as<string[] | undefined>(input[key]) ?? [];
}

export function documentServiceHandlers(deps: DocumentDeps): Record<string, OperationHandler> {
  return {
    createRequest: (input, account) => createRequest(deps, account, as<Request[]>(input.request)),
    getRequest: (input, account) => getRequest(deps, account, str(input, 'requestId')),
    deleteRequest: (input, account) => deleteRequest(deps, account, strings(input, 'requestId')),
    createArtifact: (input, account) =>
      createArtifact(deps, account, str(input, 'requestId'), str(input, 'taskId')),
    addNotification: (input, account) =>
      addNotification(
        deps,
        account,
        str(input, 'requestId'),
        str(input, 'taskId'),
        as<Notification | undefined>(input.notification),
      ),
    disableNotification: (input, account) =>
      disableNotification(
        deps,
        account,
        str(input, 'requestId'),
        str(input, 'taskId'),
        strings(input, 'notificationId'),
      ),
    getTask: (input, account) => getTask(deps, account, str(input, 'requestId'), str(input, 'taskId')),
    findTasks: (input, account) =>
      findTasks(deps, account, {
        filter: as<TaskFilter | undefined>(input.filter),
        fromIndex: as<number | undefined>(input.fromIndex),
        toIndex: as<number | undefined>(input.toIndex),
        sortField: as<TaskFilterField | undefined>(input.sortField),
        ascending: as<boolean | undefined>(input.ascending),
      }),
    getTaskCount: (input, account) => getTaskCount(deps, account, as<TaskFilter | undefined>(input.filter)),
    addTask: (input, account) => addTask(deps, account, str(input, 'requestId'), as<Task | undefined>(input.task)),
    disableTask: (input, account) => disableTask(deps, account, str(input, 'requestId'), str(input, 'taskId')),
    getStatus: (input, account) => getStatus(deps, account, strings(input, 'requestId')),
    setClientStatus: (input, account) =>
      setClientStatus(deps, account, str(input, 'requestId'), str(input, 'taskId'), str(input, 'clientStatus')),
    getRequestHistory: (input, account) =>
      getRequestHistory(deps, account, str(input, 'requestId'), str(input, 'taskId')),
    createUserSession: (input, account) =>
      createUserSession(deps, account, as<UserSession | undefined>(input.userSession)),
    getPackagingTaskStatus: (input, account) => getPackagingTaskStatus(deps, account, strings(input, 'requestId')),
  };
}
