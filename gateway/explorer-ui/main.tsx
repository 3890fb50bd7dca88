// The explorer page: GraphiQL 4 (CodeMirror 5: no eval, no web workers) bundled by
// scripts/build-explorer.mjs into static files the gateway serves itself. Nothing is loaded from
// another origin.
import 'graphiql/graphiql.css';
import './explorer.css';
import { GraphiQL } from 'graphiql';
import { setNonce } from 'get-nonce';
import { createRoot } from 'react-dom/client';
import { DemoTokenButton } from './demo-token.tsx';
import { tollgateFetcher } from './fetcher.ts';
import { readPageConfig } from './page-config.ts';
import { RunPanel } from './run-panel.tsx';

const config = readPageConfig();
// GraphiQL's dialogs add a <style> element when they open (react-remove-scroll, through
// get-nonce): it carries this response's nonce, so the CSP needs no 'unsafe-inline' for styles.
setNonce(config.styleNonce);
const fetcher = tollgateFetcher(config);

function Explorer() {
  return (
    <GraphiQL fetcher={fetcher} defaultEditorToolsVisibility={config.demoTokenPath !== undefined ? 'headers' : false} shouldPersistHeaders={false}>
      <GraphiQL.Logo>
        Tollgate
        {config.demoTokenPath !== undefined ? <DemoTokenButton path={config.demoTokenPath} /> : null}
      </GraphiQL.Logo>
      <GraphiQL.Footer>
        <RunPanel planAllowed={config.queryPlan} />
      </GraphiQL.Footer>
    </GraphiQL>
  );
}

createRoot(document.getElementById('explorer')!).render(<Explorer />);
