import { launchWithSwitch } from '../helpers/browsers';
import type { BrowserContext, Page } from '@playwright/test';
import { connectCall, openAs } from '../helpers/app';
import { expect, test } from '../helpers/fixtures';
import { expectMediaFlowing } from '../helpers/media';

/**
 * The front/back camera switch in a live call. Chromium's fake capture can expose more cameras
 * (`--use-fake-device-for-media-stream=device-count=3`: "fake_device_0", "_1", "_2"), but none says which way it
 * faces: `getSettings().facingMode` is absent and a `facingMode` constraint is refused (OverconstrainedError). A
 * phone's browser does both, so the test gives two fakes a side each, in the page, and nothing more: fake_device_0
 * faces the user, fake_device_2 the back, and a `facingMode` constraint picks that device. Everything else (when the
 * button shows, what a click asks for, the sender's track swap) is the app's own code.
 *
 * Not fake_device_1: its frames play in a <video> but WebRTC sends none of them (seen here with a loopback
 * RTCPeerConnection in this Chromium: 0 frames decoded from it, ~20 fps from _0 and _2; the fake devices differ in
 * pixel format), so sending it would freeze the picture for a reason no phone has.
 */

declare global {
  interface Window {
    /** Every RTCPeerConnection the page made (installed by `twoFacingCameras`). */
    __flipPeerConnections?: RTCPeerConnection[];
  }
}

const FACING: Record<string, VideoFacingModeEnum> = { fake_device_0: 'user', fake_device_2: 'environment' };

async function twoFacingCameras(context: BrowserContext): Promise<void> {
  await context.addInitScript((facingOf: Record<string, VideoFacingModeEnum>) => {
    const getSettings = MediaStreamTrack.prototype.getSettings;
    MediaStreamTrack.prototype.getSettings = function (this: MediaStreamTrack) {
      const settings = getSettings.call(this);
      const facing = this.kind === 'video' ? facingOf[this.label] : undefined;
      return facing ? { ...settings, facingMode: facing } : settings;
    };

    const devices = navigator.mediaDevices;
    const getUserMedia = devices.getUserMedia.bind(devices);
    const wanted = (facingMode: MediaTrackConstraints['facingMode']): string | null => {
      if (typeof facingMode === 'string') return facingMode;
      if (Array.isArray(facingMode)) return facingMode[0] ?? null;
      if (facingMode && typeof facingMode === 'object') {
        const value = facingMode.exact ?? facingMode.ideal;
        return (Array.isArray(value) ? value[0] : value) ?? null;
      }
      return null;
    };
    devices.getUserMedia = async (constraints?: MediaStreamConstraints) => {
      const video = constraints?.video;
      const facing = typeof video === 'object' ? wanted(video.facingMode) : null;
      if (!constraints || typeof video !== 'object' || !facing) return getUserMedia(constraints);
      const camera = (await devices.enumerateDevices()).find((d) => d.kind === 'videoinput' && facingOf[d.label] === facing);
      if (!camera) throw new DOMException(`no camera facing ${facing}`, 'OverconstrainedError');
      const { facingMode: _facingMode, ...rest } = video;
      return getUserMedia({ ...constraints, video: { ...rest, deviceId: { exact: camera.deviceId } } });
    };

    const Native = window.RTCPeerConnection;
    window.__flipPeerConnections = [];
    window.RTCPeerConnection = class extends Native {
      constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
        super(...args);
        window.__flipPeerConnections?.push(this);
      }
    };
  }, FACING);
}

/** The camera behind the video track the call sends (its label and device id), or null when none is sent. */
function sentCamera(page: Page): Promise<{ label: string; deviceId: string | null } | null> {
  return page.evaluate(() => {
    const pc = window.__flipPeerConnections?.findLast((p) => p.connectionState !== 'closed');
    const track = pc?.getSenders().find((s) => s.track?.kind === 'video')?.track;
    return track && track.readyState === 'live' ? { label: track.label, deviceId: track.getSettings().deviceId ?? null } : null;
  });
}

/** The device id of each camera the page can see, by label. */
function cameraIds(page: Page): Promise<Record<string, string>> {
  return page.evaluate(async () =>
    Object.fromEntries((await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput').map((d) => [d.label, d.deviceId])),
  );
}

test('on a device with a front and a back camera, Switch camera swaps the camera the call sends, and back', async ({
  newUser,
  open,
  playwright,
  launchOptions,
  baseURL,
}) => {
  const browser = await launchWithSwitch(playwright.chromium, launchOptions, '--use-fake-device-for-media-stream=device-count=3');
  try {
    const alice = await openAs(browser, baseURL!, await newUser('alice'), { setup: twoFacingCameras });
    const bob = await open(await newUser('bob'));
    await connectCall(alice, bob);

    const flip = alice.page.getByRole('button', { name: 'Switch camera', exact: true });
    await expect(flip).toBeVisible();
    await expect(flip.locator('.ctl-label')).toHaveText('Switch camera');
    // Bob's browser has one camera that says nothing about its side: no switch there.
    await expect(bob.page.getByRole('button', { name: 'Turn camera off', exact: true })).toBeVisible();
    await expect(bob.page.getByRole('button', { name: 'Switch camera', exact: true })).toHaveCount(0);

    const ids = await cameraIds(alice.page);
    expect(Object.keys(ids).sort()).toEqual(['fake_device_0', 'fake_device_1', 'fake_device_2']);
    const front = { label: 'fake_device_0', deviceId: ids['fake_device_0'] };
    const back = { label: 'fake_device_2', deviceId: ids['fake_device_2'] };
    await expect.poll(() => sentCamera(alice.page)).toEqual(front);
    await flip.click();
    await expect.poll(() => sentCamera(alice.page), { message: 'the back camera is sent' }).toEqual(back);
    await expect(alice.page.getByTestId('in-call')).toHaveAttribute('data-phase', 'connected');
    // The new camera's first frames take a moment on a busy machine: expectMediaFlowing polls for them.
    await expectMediaFlowing(bob.page);
    // The preview shows the camera that is sent.
    const previewed = await alice.page.getByTestId('local-video').evaluate((video: HTMLVideoElement) => {
      const stream = video.srcObject;
      return stream instanceof MediaStream ? (stream.getVideoTracks()[0]?.label ?? null) : null;
    });
    expect(previewed).toBe('fake_device_2');

    await flip.click();
    await expect.poll(() => sentCamera(alice.page), { message: 'the front camera again' }).toEqual(front);
    await expectMediaFlowing(bob.page);

    // With the camera off there is nothing to switch.
    await alice.page.getByRole('button', { name: 'Turn camera off', exact: true }).click();
    await expect(flip).toHaveCount(0);
  } finally {
    await browser.close();
  }
});
