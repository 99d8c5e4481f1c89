// An interceptor of the MongoDB API: every document POSTed to a collection gets `createdAt`, the
// time it was received, before it is written. Configuration (optional):
//   timestampOnPost: { field: createdAt, collections: [orders, events] }   # all collections when absent
export const options = {
  name: 'timestampOnPost',
  description: 'adds the time of the request to documents POSTed to a collection',
  interceptPoint: 'REQUEST_AFTER_AUTH',
  pluginClass: 'MongoInterceptor',
};

export function resolve(req) {
  const only = pluginArgs.collections;
  return req.isPost() && req.isCollection() && (!Array.isArray(only) || only.includes(req.getCollectionName()));
}

export function handle(req, res) {
  const field = pluginArgs.field ?? 'createdAt';
  const now = new Date();
  const content = req.getContent() ?? {};
  // a POST of an array writes each of its documents
  for (const doc of Array.isArray(content) ? content : [content]) doc[field] = now;
  req.setContent(content);
}
