import { ISignal } from '@lumino/signaling';
import * as React from 'react';

/** Re-render the calling component whenever `signal` is emitted. */
export function useSignal<T>(signal: ISignal<T, unknown>): void {
  const [, setTick] = React.useState(0);
  React.useEffect(() => {
    const onChange = () => setTick(tick => tick + 1);
    signal.connect(onChange);
    // The model may have changed between this render and the subscription: look again.
    onChange();
    return () => {
      signal.disconnect(onChange);
    };
  }, [signal]);
}
