// A service: GET /hello answers {"msg": "Hello World!"} (RESTHeart's helloWorldService, without
// its Java calls). `?name=` greets someone else.
export const options = {
  name: 'helloWorldService',
  description: 'just another Hello World',
  uri: '/hello',
  secured: false,
  matchPolicy: 'EXACT',
};

export function handle(req, res) {
  if (req.isGet()) {
    const name = req.getQueryParameterOrDefault('name', 'World');
    res.setContent(JSON.stringify({ msg: `Hello ${name}!` }));
    res.setContentTypeAsJson();
  } else {
    res.setInError(405, `method ${req.getMethod()} not allowed`);
  }
}
