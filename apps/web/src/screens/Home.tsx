import { useEffect, useState } from 'react';
import { ConnectionBanner } from '../components/ConnectionBanner';
import { EndedNotice } from '../components/EndedNotice';
import { Header, type Tab } from '../components/Header';
import { IncomingCallDialog } from '../components/IncomingCallDialog';
import { startCallController } from '../rtc/callController';
import { bindSignalingToSession } from '../signaling/session';
import { useCallStore } from '../stores/call';
import { HistoryScreen } from './HistoryScreen';
import { InCallScreen } from './InCallScreen';
import { OutgoingCallScreen } from './OutgoingCallScreen';
import { UsersScreen } from './UsersScreen';

// The logged-in app is its own chunk (it carries the protocol validators and WebRTC code); loading it starts the
// socket and the call controller, which then follow the session store through logouts and logins.
bindSignalingToSession();
startCallController();

const TAB_PATHS: Record<Tab, string> = { people: '/', history: '/history' };

function tabFromPath(): Tab {
  return location.pathname.startsWith('/history') ? 'history' : 'people';
}

function useTab(): [Tab, (tab: Tab) => void] {
  const [tab, setTab] = useState<Tab>(tabFromPath);
  useEffect(() => {
    const onPop = () => setTab(tabFromPath());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const go = (next: Tab) => {
    if (next !== tab) history.pushState(null, '', TAB_PATHS[next]);
    setTab(next);
  };
  return [tab, go];
}

export default function Home() {
  const [tab, setTab] = useTab();
  const phase = useCallStore((s) => s.call.phase);
  if (phase === 'outgoing') return <OutgoingCallScreen />;
  if (phase === 'connecting' || phase === 'connected') return <InCallScreen />;
  return (
    <div className="app">
      <Header tab={tab} onTab={setTab} />
      <ConnectionBanner />
      <div className="content">
        <EndedNotice />
        {tab === 'people' ? <UsersScreen /> : <HistoryScreen />}
      </div>
      <IncomingCallDialog />
    </div>
  );
}
