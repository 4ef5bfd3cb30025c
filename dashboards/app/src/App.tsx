import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiFailure, signedInRole, token, type Role } from './api.js';
import { AccessReports } from './AccessReports.js';
import { AlertDetail } from './AlertDetail.js';
import { AlertQueue, FIRST_VIEW, type QueueView } from './AlertQueue.js';
import { CaldicottReport } from './CaldicottReport.js';
import { Incidents } from './Incidents.js';
import { Rules } from './Rules.js';
import { finishOidcSignIn, oidcConfig, startOidcSignIn, type OidcConfig } from './oidc.js';
import { ErrorText, RoleContext } from './ui.js';

type Screen = { name: 'alerts' } | { name: 'alert'; id: string } | { name: 'incidents'; id?: string } | { name: 'report' } | { name: 'accesses' } | { name: 'rules' };

const ROLE_NAMES: Record<Role, string> = {
  'ig-officer': 'IG officer', 'caldicott-guardian': 'Caldicott guardian', auditor: 'auditor', admin: 'admin',
};

export function App() {
  const [signedIn, setSignedIn] = useState(() => token.get() !== null);
  const [role, setRole] = useState<Role | undefined>();
  const [screen, setScreen] = useState<Screen>({ name: 'alerts' });
  const [queue, setQueue] = useState<QueueView>(FIRST_VIEW);
  useEffect(() => {
    if (signedIn) signedInRole().then(setRole, () => setRole(undefined));
  }, [signedIn]);
  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;
  const tab = (name: Screen['name'], label: string) => (
    <button type="button" aria-current={screen.name === name || (name === 'alerts' && screen.name === 'alert') ? 'page' : undefined}
      onClick={() => setScreen({ name } as Screen)}>{label}</button>
  );
  // The Caldicott report is for guardians and auditors (the API refuses IG officers).
  const readsReport = role === undefined || role === 'caldicott-guardian' || role === 'auditor';
  return (
    <RoleContext.Provider value={role}>
      <header>
        <h1>accesswatch</h1>
        <nav aria-label="Screens">
          {tab('alerts', 'Alerts')}{tab('incidents', 'Incidents')}{readsReport && tab('report', 'Caldicott report')}
          {tab('accesses', 'Access reports')}{tab('rules', 'Rules')}
        </nav>
        {role && <span className="who">Signed in as {ROLE_NAMES[role]}</span>}
        <button type="button" onClick={() => { token.clear(); setRole(undefined); setQueue(FIRST_VIEW); setScreen({ name: 'alerts' }); setSignedIn(false); }}>Sign out</button>
      </header>
      <main>
        {role === 'admin' && <p role="status">Admins manage keys and people (the command line or the admin API) and see no patient data, so these screens stay empty for you.</p>}
        {screen.name === 'alerts' && <AlertQueue open={(id) => setScreen({ name: 'alert', id })} view={queue} setView={setQueue} />}
        {screen.name === 'alert' && <AlertDetail id={screen.id} back={() => setScreen({ name: 'alerts' })}
          openIncident={(id) => setScreen({ name: 'incidents', id })} />}
        {screen.name === 'incidents' && <Incidents selected={screen.id} />}
        {screen.name === 'report' && <CaldicottReport />}
        {screen.name === 'accesses' && <AccessReports />}
        {screen.name === 'rules' && <Rules />}
      </main>
    </RoleContext.Provider>
  );
}

function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<unknown>();
  const [oidc, setOidc] = useState<OidcConfig | undefined>();
  const signInWith = async (bearer: string) => {
    token.set(bearer);
    try {
      await api.get('/v1/rules'); // any person may read the rules: checks the token
      onSignedIn();
    } catch (failure) {
      token.clear();
      setError(failure instanceof ApiFailure && failure.status === 401 ? new Error('That token was not recognised.') : failure);
    }
  };
  useEffect(() => {
    oidcConfig().then(setOidc, () => setOidc(undefined));
    finishOidcSignIn().then((bearer) => { if (bearer) void signInWith(bearer); }, setError);
  }, []);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await signInWith(value.trim());
  };
  return (
    <main className="signin">
      <h1>Sign in to accesswatch</h1>
      <p>Paste your personal access token (it starts with <code>awt_</code>), or a token your organisation's identity provider issued for accesswatch. It is kept only in this browser tab.</p>
      <form onSubmit={submit}>
        <label htmlFor="token">Access token</label>
        <input id="token" type="password" autoComplete="off" required size={50} value={value} onChange={(e) => setValue(e.target.value)} />
        <p><button className="primary" type="submit">Sign in</button></p>
      </form>
      {oidc?.enabled && (
        <p>Or <button type="button" onClick={() => { startOidcSignIn(oidc).catch(setError); }}>Sign in with your organisation's account</button> (your identity provider's page).</p>
      )}
      <ErrorText error={error} />
    </main>
  );
}
