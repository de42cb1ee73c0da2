import { createContext, useContext } from 'react';
import type { ApiClient } from './client.ts';

/** The signed-in user's API client, for components deep in a page (the photo picker and strip). */
export const ApiContext = createContext<ApiClient | undefined>(undefined);

export function useApi(): ApiClient {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi: no ApiContext.Provider above (the signed-in pages provide one)');
  return api;
}
