export { NotifierConfig } from './config.ts';
export { buildNotifierApp, InboxQuery, ReadBody } from './app.ts';
export { Directory, DirectoryData, Person, Webhook } from './directory.ts';
export { Notifier, type NotifierOptions } from './notifier.ts';
export { HttpSmsAdapter, quietUntil, smsText, type SmsAdapter } from './sms.ts';
export { NotifierStore } from './store.ts';
export * from './webhook-signature.ts';
export { openApiDocument } from './document.ts';
