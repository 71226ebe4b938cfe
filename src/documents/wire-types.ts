/**
 * DocumentService v3 types as the SOAP edge decodes them (see soap/wire-value.ts for the mapping):
 * camelCase names, repeatable elements as arrays, polymorphic documents tagged with `xsiType`.
 * Required-by-schema fields are still optional here: real clients omit some, and the domain decides.
 */

export type TaskStatus = 'created' | 'completed' | 'rejected' | 'expired' | 'deleted';
export type NotificationType = 'SMS' | 'EMAIL' | 'URL';
export type DocumentActionType = 'sign' | 'view' | 'upload';
export type EventType =
  | 'request-created'
  | 'notification-sent'
  | 'task-started'
  | 'task-rejected'
  | 'task-completed'
  | 'error'
  | 'document-uploaded'
  | 'document-signed'
  | 'document-viewed'
  | 'document-sign-cancelled'
  | 'document-deleted'
  | 'user-authenticated'
  | 'user-authentication-cancelled';

export interface Dialog {
  title?: string;
  message?: string;
}

export interface Attribute {
  name?: string;
  value?: string;
}

export interface Subject {
  id?: string;
  nationalId?: string;
  firstName?: string;
  lastName?: string;
  mobile?: string;
  email?: string;
  username?: string;
  attribute?: Attribute[];
}

export interface FormParam {
  name?: string;
  value?: string;
}

export type DocumentKind =
  | 'sds-document'
  | 'provided-document'
  | 'archive-document'
  | 'result-document'
  | 'packaging-result-document'
  | 'upload-document';

export interface Document {
  xsiType?: DocumentKind | 'document';
  id?: string;
  externalReference?: string;
  form?: { id?: string; inputParam?: FormParam[] };
  signTextEntry?: string;
  description?: string;
  refSdsId?: string;
  sendToArchive?: boolean;
  data?: Buffer;
  mimeType?: string;
  refArchiveId?: string;
  refTaskId?: string;
  refDocumentId?: string;
  refPackagingTaskId?: string;
}

export interface DocumentAction {
  type?: DocumentActionType;
  orderIndex?: number;
  optional?: boolean;
  sendResultToArchive?: boolean;
  dialog?: Dialog;
  documentRef?: string;
  document?: Document;
}

export interface Wait {
  days?: number;
  hours?: number;
  minutes?: number;
}

export interface Schedule {
  stateIs?: TaskStatus;
  waitUntil?: Date;
  wait?: Wait;
  daysOfWeek?: string;
  timeOfDay?: string;
  timezone?: string;
}

export interface Notification {
  type?: NotificationType;
  notificationId?: string;
  recipient?: string;
  sender?: string;
  header?: string;
  message?: string;
  schedule?: Schedule[];
}

export interface Method {
  value?: string;
  handwritten?: boolean;
}

export interface Authentication {
  artifact?: boolean;
  dialog?: Dialog;
  method?: string[];
}

export interface Signature {
  ifAuthentication?: string;
  responsive?: boolean;
  dialog?: Dialog;
  method?: Method[];
}

export interface Task {
  id?: string;
  bundle?: boolean;
  subjectRef?: string;
  subject?: Subject;
  daysToLive?: number;
  dialog?: Dialog;
  documentAction?: DocumentAction[];
  notification?: Notification[];
  authentication?: Authentication;
  onTaskPostpone?: string;
  onTaskComplete?: string;
  onTaskCancel?: string;
  dependsOnTask?: string[];
  profile?: string;
  language?: string;
  configuration?: string;
  signature?: Signature[];
  authenticationBasedSignature?: Signature[];
}

export interface PackagingTask {
  packagingTaskId?: string;
  method?: string;
  sendToArchive?: boolean;
  packagingNotification?: Notification[];
  packagingTaskDocument?: Array<{ taskId?: string; documentId?: string }>;
}

export interface Request {
  profile?: string;
  language?: string;
  subject?: Subject[];
  document?: Document[];
  task?: Task[];
  clientReference?: string;
  sender?: { uniqueId?: string; firstName?: string; lastName?: string };
  notification?: Notification[];
  daysUntilDeletion?: number;
  sdoFormat?: string;
  account?: string;
  packagingTask?: PackagingTask[];
}

export type TaskFilterField =
  | 'id'
  | 'request-id'
  | 'task-id'
  | 'document-id'
  | 'archive-id'
  | 'account'
  | 'language'
  | 'task-state'
  | 'document-description'
  | 'mime-type'
  | 'subject-first-name'
  | 'subject-last-name'
  | 'subject-email'
  | 'subject-national-id'
  | 'subject-mobile'
  | 'authentication-type'
  | 'created'
  | 'last-updated'
  | 'signer'
  | 'sender-unique-id'
  | 'client-reference'
  | 'client-status'
  | 'days-to-live';

export type LogicalOperator = 'equals' | 'not-equals' | 'contains' | 'less-than' | 'greater-than';

export interface TaskFilter {
  criteria?: Array<{ field?: TaskFilterField; value?: string; operator?: LogicalOperator; caseSensitive?: boolean }>;
  fromDate?: Date;
  toDate?: Date;
}

export interface UserSession {
  language?: string;
  onSessionPostpone?: string;
  onSessionComplete?: string;
  onSessionCancel?: string;
  sessionTask?: Array<{ requestId?: string; taskId?: string; order?: number; description?: string }>;
}

export interface TaskInfo {
  id: string;
  requestId: string;
  taskId: string;
  documentId?: string;
  archiveId?: string;
  account?: string;
  language?: string;
  taskStatus: TaskStatus;
  documentDescription?: string;
  mimeType?: string;
  subjectFirstName?: string;
  subjectLastName?: string;
  subjectEmail?: string;
  subjectNationalId?: string;
  subjectMobile?: string;
  created: Date;
  lastUpdated: Date;
  signer?: string;
  senderUniqueId?: string;
  clientReference?: string;
  clientStatus?: string;
  daysToLive?: number;
}

export interface DocumentStatus {
  id: string;
  originalUri?: string;
  resultUri?: string;
  formOutputParam?: FormParam[];
}

export interface TaskStatusInfo {
  requestId: string;
  taskId: string;
  taskStatus: TaskStatus;
  clientReference?: string;
  clientStatus?: string;
  documentStatus: DocumentStatus[];
}

export interface HistoryEvent {
  event: EventType;
  eventTime: Date;
  data?: string;
}

export interface PackagingTaskStatusInfo {
  requestId: string;
  packagingTaskId: string;
  packagingTaskStatus: 'created' | 'failed' | 'completed';
  packagingDocumentStatus: Array<{ id: string; resultUri?: string }>;
}
