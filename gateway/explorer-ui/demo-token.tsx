import { useEditorContext } from '@graphiql/react';
import { useState } from 'react';

/**
 * Demo stack only (the gateway offers `demoTokenPath` only when subgraphs/dev.ts started it): asks
 * the gateway for a demo token and puts it in the header editor as `authorization: Bearer …`.
 */
export function DemoTokenButton({ path }: { path: string }) {
  const editors = useEditorContext();
  const [note, setNote] = useState('');
  const getToken = async () => {
    try {
      const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      const body = (await response.json()) as { token?: string; subject?: string; scope?: string };
      if (!response.ok || body.token === undefined) throw new Error(`HTTP ${response.status}`);
      editors?.headerEditor?.setValue(JSON.stringify({ authorization: `Bearer ${body.token}` }, null, 2));
      setNote(`token for ${body.subject} (${body.scope}) in the headers`);
    } catch (error) {
      setNote(`no token: ${(error as Error).message}`);
    }
  };
  return (
    <span className="tollgate-demo-token">
      <button type="button" className="graphiql-button" data-testid="demo-token" onClick={() => void getToken()}>
        Get a demo token
      </button>
      <span>{note}</span>
    </span>
  );
}
