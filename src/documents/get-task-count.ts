import type { ServiceAccount } from '../auth/service-registry';
import type { DocumentDeps } from './deps';
import { expireDueTasks } from './expire-tasks';
import { buildTaskQuery } from './task-filter';
import type { TaskFilter } from './wire-types';

/** getTaskCount: how many of the calling service's tasks match the filter (the same filter as findTasks). */
export function getTaskCount(deps: DocumentDeps, service: ServiceAccount, filter: TaskFilter | undefined): { count: number } {
  expireDueTasks(deps);
  const query = buildTaskQuery(service.name, filter);
  return { count: deps.store.countTasks(query.where, query.params) };
}
