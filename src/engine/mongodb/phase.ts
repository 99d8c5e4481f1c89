// Driver commands start in the event loop's timers phase. The driver (7.9) can check a connection
// out of its pool after the server closed it (its socket ended and destroyed in the poll phase) but
// before the socket's close callback ran (the close phase); the command's write then waits for a
// 'drain' that never comes, and the request hung forever. Requests are handled after the poll
// phase (http/turns.ts), right in that window: test/engine/mongodb/reconnect.test.ts hung 3 times
// out of 3. Close callbacks have all run before the next timers phase. The cost: up to 1 ms on an
// idle server, none under load (an iteration then takes longer). Not covered: the chunks of a file
// upload or download, and a change stream's getMores, which the driver issues from its streams.
export const afterCloseCallbacks = (): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, 0));
