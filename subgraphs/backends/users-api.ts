// users-api: the REST service behind the accounts subgraph.
//   GET /users/:id        one user, 404 if unknown
//   GET /users?ids=u1,u2  batch; unknown ids are simply absent from the array
import { users } from './data.ts';
import { listParam, type RestRouter } from './rest-server.ts';

export const usersApiRouter: RestRouter = (url) => {
  if (url.pathname === '/users') {
    const ids = listParam(url, 'ids');
    const wanted = new Set(ids);
    return { method: 'GET /users', keys: ids, status: 200, body: users.filter((u) => wanted.has(u.id)) };
  }
  const one = /^\/users\/([^/]+)$/.exec(url.pathname);
  if (one?.[1] !== undefined) {
    const id = decodeURIComponent(one[1]);
    const user = users.find((u) => u.id === id);
    return user
      ? { method: 'GET /users/:id', keys: [id], status: 200, body: user }
      : { method: 'GET /users/:id', keys: [id], status: 404, body: { error: `user ${id} not found` } };
  }
  return null;
};
