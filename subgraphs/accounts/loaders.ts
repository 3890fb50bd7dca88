// accounts → users-api. One GET /users?ids=… per request tick, however many users are asked.
import DataLoader from 'dataloader';
import { getJson } from '../shared/rest-client.ts';
import { alignByKey } from '../shared/loaders.ts';

export interface User {
  id: string;
  username: string;
  name: string;
  email: string;
}

export interface AccountsLoaders {
  user: DataLoader<string, User | null>;
}

export function createAccountsLoaders(usersApiUrl: string): AccountsLoaders {
  return {
    user: new DataLoader(async (ids) => {
      const users = await getJson<User[]>(usersApiUrl, `/users?ids=${ids.map(encodeURIComponent).join(',')}`);
      return alignByKey(ids, users, (u) => u.id);
    }),
  };
}
