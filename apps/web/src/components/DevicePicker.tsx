import { useT } from '../i18n';
import { useA11y } from '../i18n/a11y';
import { selectDevice } from '../rtc/callController';
import type { DeviceOption } from '../rtc/media';
import { useCallStore } from '../stores/call';

function DeviceSelect({
  kind,
  options,
  value,
  label,
  a11yLabel,
}: {
  kind: 'audio' | 'video';
  options: DeviceOption[];
  value: string | null;
  label: string;
  a11yLabel: string;
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
        onChange={(e) => void selectDevice(kind, e.target.value)}
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

export function DevicePicker() {
  const t = useT();
  const a11y = useA11y();
  const devices = useCallStore((s) => s.devices);
  const selected = useCallStore((s) => s.selectedDevices);
  return (
    <div className="device-picker card">
      <DeviceSelect kind="video" options={devices.video} value={selected.video} label={t('call.camera')} a11yLabel={a11y.camera} />
      <DeviceSelect kind="audio" options={devices.audio} value={selected.audio} label={t('call.microphone')} a11yLabel={a11y.microphone} />
    </div>
  );
}
