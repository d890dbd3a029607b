import { assertNever } from '@parley/protocol';
import { Activity, useEffect, useState } from 'react';
import { ConnectionBanner } from '../components/ConnectionBanner';
import { EndedNotice } from '../components/EndedNotice';
import { Header, type Tab } from '../components/Header';
import { IncomingCallDialog } from '../components/IncomingCallDialog';
import { startRingAlerts } from '../appshell/ringAlerts';
import { startCallController } from '../rtc/callController';
import { unlockAudioOnGesture } from '../rtc/tones';
import { bindSignalingToSession } from '../signaling/session';
import { useCallStore } from '../stores/call';
import { AccountScreen } from './AccountScreen';
import { useMissedCallsTracking } from '../stores/missedCalls';
import { BlockedScreen } from './BlockedScreen';
import { HistoryScreen } from './HistoryScreen';
import { InCallScreen } from './InCallScreen';
import { OutgoingCallScreen } from './OutgoingCallScreen';
import { UsersScreen } from './UsersScreen';

// The logged-in app is its own chunk (it carries the protocol validators and WebRTC code); loading it starts the
// socket and the call controller, which then follow the session store through logouts and logins.
bindSignalingToSession();
startCallController();
startRingAlerts();
// The ringtone must be able to sound later: the first gesture after login lets the page's audio start.
unlockAudioOnGesture();

const TAB_PATHS: Record<Tab, string> = { people: '/', history: '/history', blocked: '/blocked', account: '/account' };

function tabFromPath(): Tab {
  const path = location.pathname;
  if (path.startsWith('/history')) return 'history';
  if (path.startsWith('/blocked')) return 'blocked';
  return path.startsWith('/account') ? 'account' : 'people';
}

function TabScreen({ tab }: { tab: Tab }) {
  switch (tab) {
    case 'people':
      return <UsersScreen />;
    case 'history':
      return <HistoryScreen />;
    case 'blocked':
      return <BlockedScreen />;
    case 'account':
      return <AccountScreen />;
    default:
      return assertNever(tab);
  }
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
  useMissedCallsTracking(tab === 'history');
  const phase = useCallStore((s) => s.call.phase);
  const inCall = phase === 'connecting' || phase === 'connected';
  const ringing = phase === 'outgoing' || phase === 'incoming';
  return (
    <>
      {/* The in-call screen is rendered, hidden, while the call rings, and only revealed on answer: the first
          render of a screen in a fresh page costs more than the whole signaling exchange (packages/bench/PROFILE.md). */}
      {(ringing || inCall) && (
        <Activity mode={inCall ? 'visible' : 'hidden'}>
          <InCallScreen />
        </Activity>
      )}
      {phase === 'outgoing' && <OutgoingCallScreen />}
      <Activity mode={inCall || phase === 'outgoing' ? 'hidden' : 'visible'}>
        <div className="app">
          <Header tab={tab} onTab={setTab} />
          <ConnectionBanner />
          <div className="content">
            <EndedNotice />
            <TabScreen tab={tab} />
          </div>
          <IncomingCallDialog />
        </div>
      </Activity>
    </>
  );
}
