/**
 * The pidfd_spawn builder UAPI that everything in pidspawn is built on, in its C shape: a
 * builder fd configured key by key ({@link io.pidspawn.uapi.PidfdSpawn#pidfd_config}), run any
 * number of times ({@link io.pidspawn.uapi.PidfdSpawn#pidfd_spawn_run}), and the pidfd
 * operations on the children it starts.
 *
 * <pre>{@code
 * int b = PidfdSpawn.pidfd_spawn_open(PidfdSpawn.PIDFD_SPAWN_CLOEXEC);
 * try {
 *     PidfdSpawn.pidfd_config(b, PidfdSpawn.PIDFD_CONFIG_SET_STRING, PidfdSpawn.KEY_EXECUTABLE, "/bin/true", 0);
 *     Spawned child = PidfdSpawn.pidfd_spawn_run(b, RunArgs.none());
 *     ExitStatus status = PidfdSpawn.pidfd_wait(child.pidfd(), 0);
 *     PidfdSpawn.close(child.pidfd());
 * } finally {
 *     PidfdSpawn.close(b);
 * }
 * }</pre>
 *
 * <p>Each run takes a {@link io.pidspawn.uapi.RunArgs}: argv and environment overrides and an
 * ordered list of {@link io.pidspawn.uapi.SpawnAction}s (dup2, open, close, chdir...) applied in
 * the child before exec. A run returns a {@link io.pidspawn.uapi.Spawned}: the pid, a pidfd the
 * caller owns, and the {@link io.pidspawn.uapi.ChildCgroup} the run created, if any.
 * {@link io.pidspawn.uapi.PidfdInfo} is what the kernel tells about a pidfd's process.
 *
 * <p>This is the layer for code that wants the proposal's semantics exactly; most programs want
 * {@link io.pidspawn.Command}, which owns its fds and reaps its children.
 */
package io.pidspawn.uapi;
