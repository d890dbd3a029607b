import { useEffect, useRef } from 'react';
import { useT, type MessageKey } from '../i18n';
import { useA11y, type A11yNames } from '../i18n/a11y';
import { selectDevice, selectOutput } from '../rtc/callController';
import { canChooseOutput, type DeviceOption, type MediaKind } from '../rtc/media';
import { useCallStore } from '../stores/call';

/** The picker's element id, for the Devices button's `aria-controls`. */
export const DEVICE_PICKER_ID = 'device-picker';

function DeviceSelect({
  kind,
  options,
  value,
  label,
  a11yLabel,
  onSelect,
}: {
  kind: 'audio' | 'video' | 'output';
  options: DeviceOption[];
  value: string | null;
  label: string;
  a11yLabel: string;
  onSelect: (deviceId: string) => void;
}) {
  const t = useT();
  const id = `device-${kind}`;
  return (
    <div className="field field-inline">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        aria-label={a11yLabel}
        value={value ?? ''}
        disabled={options.length === 0}
        onChange={(e) => onSelect(e.target.value)}
      >
        {options.length === 0 && <option value="">{t('call.noDevice')}</option>}
        {value === null && options.length > 0 && <option value="">{t('call.deviceDefault')}</option>}
        {options.map((d, i) => (
          <option key={d.deviceId} value={d.deviceId}>
            {d.label || `${label} ${i + 1}`}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The capture devices, in the order they are listed. */
const INPUTS = [
  { kind: 'video', text: 'call.camera', name: 'camera' },
  { kind: 'audio', text: 'call.microphone', name: 'microphone' },
] as const satisfies readonly { kind: MediaKind; text: MessageKey; name: keyof A11yNames }[];

/**
 * The camera and microphone choice, shown under the video (never over it) while the Devices button is on. Escape
 * closes it and gives the focus back to whatever opened it.
 */
export function DevicePicker({ onClose }: { onClose: () => void }) {
  const t = useT();
  const a11y = useA11y();
  const devices = useCallStore((s) => s.devices);
  const selected = useCallStore((s) => s.selectedDevices);
  const output = useCallStore((s) => s.selectedOutput);
  const opener = useRef<HTMLElement | null>(null);

  useEffect(() => {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  }, []);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || event.defaultPrevented) return;
      event.preventDefault();
      onClose();
      opener.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);

  return (
    <div id={DEVICE_PICKER_ID} className="device-picker card" role="group" aria-label={a11y.devices}>
      {INPUTS.map(({ kind, text, name }) => (
        <DeviceSelect
          key={kind}
          kind={kind}
          options={devices[kind]}
          value={selected[kind]}
          label={t(text)}
          a11yLabel={a11y[name]}
          onSelect={(id) => void selectDevice(kind, id)}
        />
      ))}
      {/* Only where the browser can route the sound (setSinkId) and lists a speaker. */}
      {canChooseOutput() && devices.output.length > 0 && (
        <DeviceSelect
          kind="output"
          options={devices.output}
          value={output}
          label={t('incall.speaker')}
          a11yLabel={a11y.speaker}
          onSelect={(id) => selectOutput(id || null)}
        />
      )}
    </div>
  );
}
