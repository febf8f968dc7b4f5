/**
 * posix_spawn(3) and posix_spawnp(3) with glibc's extensions ({@link io.pidspawn.posix.PosixSpawn},
 * {@link io.pidspawn.posix.FileActions}, {@link io.pidspawn.posix.SpawnAttributes}), built on the
 * pidfd_spawn builder. For the same inputs they return the errno glibc's return and the child
 * sees what glibc's child sees; the tests run each case through both, glibc called through FFM.
 *
 * <pre>{@code
 * FileActions fa = new FileActions()
 *         .addopen(1, "/tmp/out.txt", PidfdSpawn.O_WRONLY | PidfdSpawn.O_CREAT | PidfdSpawn.O_TRUNC, 0644);
 * SpawnAttributes attr = new SpawnAttributes()
 *         .setflags(SpawnAttributes.POSIX_SPAWN_SETPGROUP)
 *         .setpgroup(0);
 * Spawned child = PosixSpawn.posix_spawnp("date", fa, attr, List.of("date", "-u"), List.of("TZ=UTC"));
 * ExitStatus status = PidfdSpawn.pidfd_wait(child.pidfd(), 0);
 * PidfdSpawn.close(child.pidfd());
 * }</pre>
 *
 * <h2>Differences from glibc that remain</h2>
 * <ul>
 * <li><b>A pidfd besides the pid.</b> Success returns a {@link io.pidspawn.uapi.Spawned} whose
 *     pidfd the caller must close; glibc's posix_spawn holds no fd for the child. The pidfd is
 *     how pidspawn names a process without a pid-reuse race, and the builder's run creates it
 *     with the child (clone3 CLONE_PIDFD); {@code pidfd_spawn} returns only it, as glibc 2.39's.</li>
 * <li><b>fds the library keeps.</b> While a spawn runs, the builder, the pinned executable and
 *     its directory are open above fd 1023; a file action that names one of them is EBADF, as
 *     for any fd the caller never opened. Other fds the library keeps for its lifetime (pidfds of
 *     supervised children, the reaper's epoll and eventfd, posix_spawn's reserve of eight fds on
 *     /dev/null) are open in the process, also above 1023 and close-on-exec, and an action
 *     naming one gets it, as glibc's posix_spawn gives any open fd. They cannot be hidden from a
 *     caller who names them: they are fds of this process like any other.</li>
 * <li><b>Where a program is resolved.</b> An absolute {@code path}, or a relative one with no
 *     chdir or fchdir action, is opened by this process before the child exists and pinned (the
 *     child execs that very file, or the spawn fails with ESTALE if it was replaced): the same
 *     file glibc's child would find, without its race. A relative {@code path} with such an
 *     action is resolved in the child after the actions, as glibc does, and is not pinned.
 *     posix_spawnp searches in this process and skips empty and relative PATH entries, where
 *     glibc's would search the child's working directory: not done yet.</li>
 * <li><b>A full fd table.</b> A spawn needs a few fds while it runs (the builder, the pinned
 *     executable) and keeps one (the pidfd); with none free it borrows them from the reserve,
 *     which is taken (with the kernel probes and the trampoline's load) when {@code PosixSpawn}
 *     is initialised, so that even a first posix_spawn works with the table full, as glibc's.
 *     Only if the class is first initialised when no fd is free (or the fd limit is lowered
 *     below the reserve afterwards) does the first call fail with EMFILE; the next one, with
 *     fds free, works: the fds must exist before they can be set aside.</li>
 * <li><b>envp entries</b> need an {@code =} (EINVAL otherwise; the empty name, {@code =value},
 *     is accepted); glibc passes any string.</li>
 * </ul>
 */
package io.pidspawn.posix;
