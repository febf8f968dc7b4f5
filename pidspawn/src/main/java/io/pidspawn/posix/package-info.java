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
 * Everything else (errnos, the order of the actions, argv and envp as given, an entry without
 * {@code =} included, any number of actions, posix_spawnp's search and its errnos, a full fd
 * table, the attributes and their getters) is glibc's; these remain, each for its reason:
 * <ul>
 * <li><b>A pidfd besides the pid.</b> Success returns a {@link io.pidspawn.uapi.Spawned} whose
 *     pidfd the caller must close; glibc's posix_spawn holds no fd for the child. The builder's
 *     run creates the pidfd with the child (clone3 CLONE_PIDFD) and it is how pidspawn names a
 *     process without a pid-reuse race; {@code pidfd_spawn} returns only it, as glibc 2.39's.</li>
 * <li><b>A pinned program cannot be swapped.</b> An absolute {@code path}, a relative one with
 *     no chdir or fchdir action, and the first file posix_spawnp finds in an absolute PATH
 *     entry before any empty or relative one are opened by this process before the child exists
 *     and pinned: the child execs that very file. If another file took its name in between, the
 *     spawn fails with ESTALE, where glibc's child would run whichever file is there when it
 *     execs: the file pidspawn checked is the file that runs, which is the point of pinning.
 *     What is resolved in the child is not pinned, as there is no file yet for this process to
 *     open: a relative {@code path} after chdir or fchdir; posix_spawnp's candidates from the
 *     first empty or relative PATH entry on (every candidate tried again, in PATH's order); and
 *     the candidates after the pinned one, which the child execs in turn, by path, when the
 *     pinned one fails with an errno execvp passes over (an ACL or a noexec mount that denies
 *     execute, a missing {@code #!} interpreter), as glibc's child goes on.</li>
 * <li><b>fds the library keeps</b> (posix_spawn's reserve of eight fds on /dev/null, the
 *     reaper's epoll and eventfd, pinned executables, the pipes behind a {@code Child}'s
 *     streams) are close-on-exec, above fd 1023 where RLIMIT_NOFILE leaves room, and no caller
 *     opened them: a file action naming one is EBADF, as for any fd the caller never opened, so
 *     none reaches a program. They still take numbers in this process, which the process's
 *     own calls see (fcntl on one succeeds; a closefrom(3) run in this process would close them
 *     under the library): fds must be open to be kept. The fds pidspawn hands to its callers (a
 *     child's pidfd, a builder, a {@code Terminal}'s fd) are theirs, and an action naming one
 *     gets it, as glibc's gives any open fd.</li>
 * <li><b>A first use with no fd free.</b> A spawn needs a few fds while it runs (the builder,
 *     the pinned executable) and keeps one (the pidfd); with none free it borrows them from the
 *     reserve, which is taken (with the kernel probes and the trampoline's load) when
 *     {@code PosixSpawn} is initialised, so that even a first posix_spawn works with the table
 *     full, as glibc's. Only if the class is first initialised when no fd is free (or the fd
 *     limit is lowered below the reserve afterwards) does the call fail with EMFILE; the next
 *     one, with fds free, works: fds must exist before they can be set aside.</li>
 * </ul>
 */
package io.pidspawn.posix;
