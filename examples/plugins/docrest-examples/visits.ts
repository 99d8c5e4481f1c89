// A service that keeps page-visit counters with the data client (`mclient`, the MongoDB driver's
// collection API on whichever engine docrest runs), written in TypeScript: Node runs it as it is.
//   POST /visits/{page}   counts a visit        → {page, count}
//   GET  /visits          the most visited      → [{page, count}], ?top=N (default 10)
//   GET  /visits/_total   all visits            → {total}
// Configuration (optional): visits: { db: restheart, collection: visits }   # these by default;
// RESTHeart's default mongo-mount shows database restheart at /
import type { PluginRequest, PluginResponse, ServiceOptions } from 'docrest/plugin';

export const options: ServiceOptions = {
  name: 'visits',
  description: 'page visit counters kept with the data client',
  uri: '/visits',
  secured: true,
  matchPolicy: 'PREFIX',
};

function counters() {
  return mclient.db(pluginArgs.db ?? 'restheart').collection(pluginArgs.collection ?? 'visits');
}

export async function handle(req: PluginRequest, res: PluginResponse): Promise<void> {
  const page = decodeURIComponent(req.path.slice(options.uri.length + 1));
  if (req.isPost() && page !== '' && !page.includes('/')) {
    await counters().updateOne({ _id: page }, { $inc: { count: 1 } }, { upsert: true });
    const doc = await counters().findOne({ _id: page });
    LOGGER.debug('visit of {} counted: {}', page, doc?.count);
    res.json({ page, count: doc?.count });
  } else if (req.isGet() && page === '') {
    const top = Number.parseInt(req.getQueryParameterOrDefault('top', '10'), 10);
    if (!Number.isInteger(top) || top < 1) return res.setInError(400, 'top must be a positive integer');
    const docs = await counters().find({}, { sort: { count: -1, _id: 1 }, limit: top }).toArray();
    res.json(docs.map((d) => ({ page: d._id, count: d.count })));
  } else if (req.isGet() && page === '_total') {
    const [sum] = await counters().aggregate([{ $group: { _id: null, total: { $sum: '$count' } } }]).toArray();
    res.json({ total: sum?.total ?? 0 });
  } else {
    res.setInError(404, `no visits resource at ${req.path}`);
  }
}
