// An interceptor of the MongoDB API that hides fields from whoever lacks a role (RESTHeart users'
// issue #391): the response of a GET of a document or a collection loses each configured field
// unless the account has one of the field's roles.
//   hideFieldsByRole: { fields: { salary: [hr, admin] }, collections: [employees] }
// It shapes responses only: a filter on a hidden field still selects by it. The ACL's
// projectResponse (per permission) is the built-in way when that matters.
export const options = {
  name: 'hideFieldsByRole',
  description: 'removes fields from GET responses unless the account has a role that may see them',
  interceptPoint: 'RESPONSE',
  pluginClass: 'MongoInterceptor',
};

function hidden(req) {
  const fields = pluginArgs.fields ?? {};
  return Object.keys(fields).filter((f) => !fields[f].some((role) => req.isAccountInRole(role)));
}

export function resolve(req) {
  const only = pluginArgs.collections;
  return req.isGet() && (req.isDocument() || req.isCollection())
    && (!Array.isArray(only) || only.includes(req.getCollectionName()))
    && hidden(req).length > 0;
}

export function handle(req, res) {
  const content = res.getContent();
  if (content === null || res.getStatusCode() !== 200) return;
  const fields = hidden(req);
  // a collection is an array of documents, or HAL's _embedded with ?rep=HAL
  const docs = Array.isArray(content) ? content : Array.isArray(content._embedded?.['rh:doc']) ? content._embedded['rh:doc'] : [content];
  for (const doc of docs) for (const f of fields) delete doc[f];
}
