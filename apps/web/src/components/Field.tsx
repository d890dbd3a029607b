import { useId, type ComponentPropsWithoutRef, type RefObject } from 'react';

/** A labelled input whose hint turns into the error message when the field is the problem. */
export function Field({
  label,
  hint,
  error,
  inputRef,
  ...input
}: { label: string; hint: string; error: string | null; inputRef: RefObject<HTMLInputElement | null> } & ComponentPropsWithoutRef<'input'>) {
  const id = useId();
  const hintId = useId();
  return (
    <div className={`field ${error ? 'field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input ref={inputRef} id={id} aria-invalid={error ? true : undefined} aria-describedby={hintId} {...input} />
      <small id={hintId} className={error ? 'field-message' : 'muted'} role={error ? 'alert' : undefined}>
        {error ?? hint}
      </small>
    </div>
  );
}
