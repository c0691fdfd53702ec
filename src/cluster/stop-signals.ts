// SIGTERM and SIGINT, handled once per process. Under --workers a terminal's
// Ctrl-C reaches the primary and every worker, and the primary then sends its
// workers SIGTERM too: each process stops once, on the first signal.
export function onStopSignal(stop: (signal: 'SIGTERM' | 'SIGINT') => void): void {
  let stopping = false;
  const handle = (signal: 'SIGTERM' | 'SIGINT') => {
    if (stopping) return;
    stopping = true;
    stop(signal);
  };
  process.on('SIGTERM', () => handle('SIGTERM'));
  process.on('SIGINT', () => handle('SIGINT'));
}
