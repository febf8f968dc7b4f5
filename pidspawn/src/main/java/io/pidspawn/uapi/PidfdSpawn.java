package io.pidspawn.uapi;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.ExitStatus;
import io.pidspawn.Usage;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.linux.Native;
import io.pidspawn.internal.spawn.Registry;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The pidfd_spawn builder UAPI, C-shaped: int fds, and errno-carrying exceptions.
 *
 * <pre>{@code
 * int b = PidfdSpawn.pidfd_spawn_open(PidfdSpawn.PIDFD_SPAWN_CLOEXEC);
 * try {
 *     PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_STRING, "executable", "/usr/bin/git", 0);
 *     PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_BINARY, "argv", "git\0status\0".getBytes(), 0);
 *     PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_FD, "cwd", (String) null, worktreeFd);
 *     Spawned child = PidfdSpawn.pidfd_spawn_run(b, RunArgs.of(SpawnAction.dup2(outWrite, 1)));
 *     ExitStatus status = PidfdSpawn.pidfd_wait(child.pidfd(), 0);
 *     PidfdSpawn.close(child.pidfd());
 * } finally {
 *     PidfdSpawn.close(b);
 * }
 * }</pre>
 *
 * <h2>Builders</h2>
 * {@link #pidfd_spawn_open} returns a builder: a real fd (a memfd named {@code pidfd_spawn}) that
 * the kernel's own pidfd calls reject with EBADF. {@link #pidfd_config} sets one key per call and
 * validates it at once; a refused call throws and appends a line to the builder's log
 * ({@link #pidfd_config_log}), as fsconfig() does. {@link #pidfd_spawn_run} starts a child and
 * returns its pid and a new pidfd; a builder runs any number of times, compiling its configuration
 * once and reusing it until the next config call. {@link #close} frees it.
 *
 * <h2>The one-fd spelling</h2>
 * {@code pidfd_open(0, PIDFD_EMPTY)} returns an empty pidfd, configured the same way. Until it is
 * run, the pidfd operations here answer ESRCH. A successful run makes the same fd number the
 * child's pidfd (and {@link Spawned#pidfd()} is that number). A failed run leaves it dead: every
 * later operation but close fails with ESRCH. After a successful run, config and run fail with
 * EBUSY: the process exists and can no longer be configured.
 *
 * <h2>Keys</h2>
 * <table>
 * <caption>Configuration keys</caption>
 * <tr><th>key</th><th>commands</th><th>meaning</th></tr>
 * <tr><td>{@value #KEY_EXECUTABLE}</td><td>SET_STRING (absolute path), SET_PATH (path relative to
 *     the dirfd in aux, or AT_FDCWD), SET_FD / SET_PATH_EMPTY (the fd in aux)</td><td>the program,
 *     pinned at once: the builder opens it O_PATH and records its identity (device, inode, size,
 *     mode, owner, ctime, mtime). A run whose file changed or was replaced at its path fails with
 *     ESTALE before any child exists. Writing to the file is never denied. ELF programs are exec'd
 *     through the fd; {@code #!} scripts by a path, so the interpreter can open them: the path as
 *     configured (so it is the script's {@code $0}, as with execve) once each run has checked that it
 *     still names the pinned file, or the script's real path where the configured one would not
 *     (relative to a dirfd, or relative with a run that changes directory first).</td></tr>
 * <tr><td>{@value #KEY_SEARCH}</td><td>SET_STRING (a name without a slash)</td><td>the program,
 *     found as execvp finds it, once, now: the first entry of the search PATH holding a file the
 *     caller may execute (entries holding one it may not, or a directory, are skipped; if only such were found,
 *     EACCES; unlike execvp, empty and relative entries are skipped, so nothing in the working
 *     directory is run by accident). The search PATH is {@value #KEY_SEARCH_PATH} if set, else the child's PATH, else
 *     this process's, else {@code /usr/local/bin:/usr/bin:/bin}. When the file found changes, the
 *     next run searches again rather than failing with ESTALE.</td></tr>
 * <tr><td>{@value #KEY_SEARCH_PATH}</td><td>SET_STRING</td><td>the PATH {@value #KEY_SEARCH}
 *     uses, when it should not be the child's</td></tr>
 * <tr><td>{@value #KEY_ARGV}</td><td>SET_STRING appends one argument; SET_BINARY replaces the
 *     whole vector with a NUL-terminated list</td><td>the argument vector, argv[0] included; when
 *     empty, argv is just the executable's path</td></tr>
 * <tr><td>{@value #KEY_ARGV0}</td><td>SET_STRING</td><td>replaces argv[0]</td></tr>
 * <tr><td>{@value #KEY_ENV}</td><td>SET_STRING {@code NAME=value} sets one; SET_BINARY replaces
 *     all</td><td>the environment; it starts as a copy of this process's</td></tr>
 * <tr><td>{@value #KEY_ENV_UNSET}</td><td>SET_STRING {@code NAME}</td><td>removes one variable</td></tr>
 * <tr><td>{@value #KEY_ENV_CLEAR}</td><td>SET_FLAG</td><td>empties the environment</td></tr>
 * <tr><td>{@value #KEY_CWD}</td><td>SET_STRING (absolute path, resolved in the child), SET_PATH
 *     (opened now), SET_FD (a directory fd)</td><td>the working directory</td></tr>
 * <tr><td>{@code fd.N}</td><td>SET_FD</td><td>child fd N becomes a copy of the fd in aux; the
 *     builder holds its own reference, so the caller may close theirs</td></tr>
 * <tr><td>{@value #KEY_INHERIT_FDS}</td><td>SET_FLAG</td><td>keep every fd the parent has open without
 *     close-on-exec; by default every fd above 2 that is neither mapped nor placed by an action
 *     is closed</td></tr>
 * </table>
 *
 * <p>The process keys shape the child itself. Numbers are decimal text; signals are names
 * ({@code TERM}, {@code SIGTERM}) or numbers; lists are comma-separated.
 * <table>
 * <caption>Process keys</caption>
 * <tr><th>key</th><th>commands</th><th>meaning</th></tr>
 * <tr><td>{@code setsid}</td><td>SET_FLAG</td><td>a new session</td></tr>
 * <tr><td>{@code pgid}</td><td>SET_STRING</td><td>setpgid: 0 for a group of its own, else join that group</td></tr>
 * <tr><td>{@code ctty}</td><td>SET_FD (a terminal, held by the builder)</td><td>the controlling
 *     terminal (TIOCSCTTY); implies setsid</td></tr>
 * <tr><td>{@code sigmask}</td><td>SET_STRING (signal list)</td><td>the signals blocked at exec
 *     (default: none)</td></tr>
 * <tr><td>{@code sigdefault}</td><td>SET_STRING (signal list)</td><td>signals reset to SIG_DFL
 *     (handled ones always are)</td></tr>
 * <tr><td>{@code rlimit.NAME}</td><td>SET_STRING {@code SOFT[:HARD]}, numbers or {@code unlimited}</td>
 *     <td>a resource limit; NAME as in RLIMIT_NAME ({@code NOFILE}, {@code core})</td></tr>
 * <tr><td>{@code umask}</td><td>SET_STRING (octal)</td><td>the file mode creation mask</td></tr>
 * <tr><td>{@code sched}</td><td>SET_STRING {@code POLICY[:PRIORITY]}, POLICY one of other, fifo,
 *     rr, batch, idle</td><td>sched_setscheduler</td></tr>
 * <tr><td>{@code sched-priority}</td><td>SET_STRING 0..99</td><td>sched_setparam, keeping the policy</td></tr>
 * <tr><td>{@code nice}</td><td>SET_STRING -20..19</td><td>setpriority</td></tr>
 * <tr><td>{@code uid}, {@code gid}</td><td>SET_STRING</td><td>setuid / setgid (real, effective,
 *     saved), applied last; another id than ours needs privilege or a new user namespace (EPERM)</td></tr>
 * <tr><td>{@code groups}</td><td>SET_STRING (gid list, empty for none)</td><td>setgroups</td></tr>
 * <tr><td>{@code groups-on-id-change}</td><td>SET_STRING: drop (default), initgroups, keep</td><td>the
 *     supplementary groups when uid or gid is set and groups is not: none (for a root caller), the
 *     uid's own from /etc/passwd and /etc/group (set uid first; ENOENT without an entry), or the
 *     caller's</td></tr>
 * <tr><td>{@code reset-ids}</td><td>SET_FLAG</td><td>effective ids become the real ones</td></tr>
 * <tr><td>{@code pdeathsig}</td><td>SET_STRING (signal)</td><td>PR_SET_PDEATHSIG; such runs are
 *     made from one long-lived thread</td></tr>
 * <tr><td>{@code no-new-privs}</td><td>SET_FLAG</td><td>PR_SET_NO_NEW_PRIVS</td></tr>
 * <tr><td>{@code cgroup}</td><td>SET_STRING (a cgroup path from the cgroup2 root, as
 *     {@code /proc/self/cgroup} shows it), SET_PATH (the directory), SET_FD</td><td>CLONE_INTO_CGROUP
 *     (Linux 5.7)</td></tr>
 * <tr><td>{@code namespaces}</td><td>SET_STRING, of user, pid, mount, uts, ipc, net, cgroup</td>
 *     <td>CLONE_NEW*; set it before uid, gid and groups, which a new user namespace lets change
 *     without privilege</td></tr>
 * <tr><td>{@code mount-propagation}</td><td>SET_STRING: private (default), slave, shared, unchanged</td>
 *     <td>applied to every mount of a new mount namespace first thing in the child (set namespaces
 *     with mount first, else EINVAL)</td></tr>
 * <tr><td>{@code uid_map}, {@code gid_map}</td><td>SET_STRING, lines of {@code INSIDE OUTSIDE
 *     COUNT}</td><td>the new user namespace's maps (default: our ids as 0)</td></tr>
 * <tr><td>{@code landlock.ro}, {@code landlock.rw}, {@code landlock.exec}</td><td>SET_STRING
 *     (absolute), SET_PATH, SET_FD; once per path</td><td>Landlock paths the child may read (and
 *     execute), read and write (and execute), or execute (then only those may be executed);
 *     see {@link io.pidspawn.Sandbox}</td></tr>
 * </table>
 *
 * <h2>Errors</h2>
 * Unknown key, a command the key does not take, a NUL in a string, a relative path where an
 * absolute one is required: EINVAL. A negative or closed fd, a child fd at or beyond
 * RLIMIT_NOFILE: EBADF. A value over its limit (131071 bytes for a string, 4095 for a path):
 * E2BIG. An executable the caller may not run: EACCES; missing: ENOENT. Not a builder: EBADF.
 * At run: more than {@value #MAX_ACTIONS} actions, or argv and environment beyond what exec
 * accepts: E2BIG; a failure in the child before exec: a {@link io.pidspawn.SpawnException}
 * naming the step, the action index and the errno, with the failed child already reaped.
 */
public final class PidfdSpawn {
    private PidfdSpawn() {}

    // fsconfig-like commands (same numbers as FSCONFIG_*)
    /** pidfd_config command: set a flag key; value and aux unused. */
    public static final int PIDFD_CONFIG_SET_FLAG = 0;
    /** pidfd_config command: set a key to a string (appended for list keys such as argv). */
    public static final int PIDFD_CONFIG_SET_STRING = 1;
    /** pidfd_config command: set a key to a NUL-separated list, replacing all of it. */
    public static final int PIDFD_CONFIG_SET_BINARY = 2;
    /** pidfd_config command: a path, relative to the dirfd in aux or AT_FDCWD, resolved now. */
    public static final int PIDFD_CONFIG_SET_PATH = 3;
    /** pidfd_config command: the file open at the fd in aux, as AT_EMPTY_PATH names it. */
    public static final int PIDFD_CONFIG_SET_PATH_EMPTY = 4;
    /** pidfd_config command: the fd in aux; the builder keeps its own copy. */
    public static final int PIDFD_CONFIG_SET_FD = 5;

    /** The program, pinned at once (see the table of keys above). */
    public static final String KEY_EXECUTABLE = "executable";
    /** The argument vector, argv[0] included. */
    public static final String KEY_ARGV = "argv";
    /** Replaces argv[0]. */
    public static final String KEY_ARGV0 = "argv0";
    /** The environment: sets one {@code NAME=value}, or replaces all. */
    public static final String KEY_ENV = "env";
    /** Removes one environment variable. */
    public static final String KEY_ENV_UNSET = "env.unset";
    /** Empties the environment. */
    public static final String KEY_ENV_CLEAR = "env.clear";
    /** The working directory. */
    public static final String KEY_CWD = "cwd";
    /** The prefix of the {@code fd.N} keys: child fd N becomes a copy of the fd in aux. */
    public static final String KEY_FD_PREFIX = "fd.";
    /** Keeps every fd the parent has open without close-on-exec. */
    public static final String KEY_INHERIT_FDS = "inherit-fds";
    /** The program, found in the search PATH as execvp finds it. */
    public static final String KEY_SEARCH = "search";
    /** The PATH that {@value #KEY_SEARCH} uses, when it should not be the child's. */
    public static final String KEY_SEARCH_PATH = "search-path";

    /** pidfd_spawn_open flag: the builder fd is close-on-exec. */
    public static final int PIDFD_SPAWN_CLOEXEC = Libc.O_CLOEXEC;
    /** pidfd_open flag: an empty pidfd to configure and run (pid must be 0). */
    public static final int PIDFD_EMPTY = 1;
    /** pidfd_open flag (linux/pidfd.h): a nonblocking pidfd. */
    public static final int PIDFD_NONBLOCK = Libc.O_NONBLOCK;

    /** At most this many actions per run, as in the spawn-template proposal. */
    public static final int MAX_ACTIONS = 256;

    /** The dirfd that names the working directory (fcntl.h), for SET_PATH and open actions. */
    public static final int AT_FDCWD = Libc.AT_FDCWD;
    /** open(2) flags (fcntl.h, as on x86_64 and aarch64), for open actions. */
    public static final int O_RDONLY = Libc.O_RDONLY, O_WRONLY = Libc.O_WRONLY, O_RDWR = Libc.O_RDWR,
            O_CREAT = Libc.O_CREAT, O_TRUNC = Libc.O_TRUNC, O_APPEND = Libc.O_APPEND, O_CLOEXEC = Libc.O_CLOEXEC,
            O_DIRECTORY = Libc.O_DIRECTORY, O_NOCTTY = Libc.O_NOCTTY;
    /** close_range(2) flags (linux/close_range.h), for close_range actions. */
    public static final int CLOSE_RANGE_UNSHARE = Libc.CLOSE_RANGE_UNSHARE, CLOSE_RANGE_CLOEXEC = Libc.CLOSE_RANGE_CLOEXEC;
    /** pidfd_wait options. */
    public static final int WNOHANG = Libc.WNOHANG, WNOWAIT = Libc.WNOWAIT;

    // ---- builders ----

    /**
     * Opens a builder. Flags: 0 or {@link #PIDFD_SPAWN_CLOEXEC}; anything else is EINVAL.
     *
     * @param flags 0 or {@link #PIDFD_SPAWN_CLOEXEC}
     * @return the builder fd, to configure, run and {@link #close}
     * @throws ErrnoException EINVAL for other flags, or the errno of the memfd that holds the builder
     * @throws UnsupportedOperationException when the kernel lacks clone3, pidfds or
     *     CLOSE_RANGE_CLOEXEC (Linux 5.11 has them all), naming the feature and the probe's errno
     */
    public static int pidfd_spawn_open(int flags) throws ErrnoException {
        if ((flags & ~PIDFD_SPAWN_CLOEXEC) != 0) {
            throw new ErrnoException("pidfd_spawn_open", Errno.EINVAL, "unknown flags 0x" + Integer.toHexString(flags));
        }
        return Registry.open("pidfd_spawn", flags != 0, false);
    }

    /**
     * pidfd_open(2), plus the one-fd spelling: with {@link #PIDFD_EMPTY} and pid 0, an empty
     * pidfd to configure and run (always close-on-exec). Without it, the kernel's pidfd_open.
     *
     * @param pid the process, or 0 with {@link #PIDFD_EMPTY}
     * @param flags 0, {@link #PIDFD_NONBLOCK} or {@link #PIDFD_EMPTY}
     * @return the new pidfd
     * @throws ErrnoException the kernel's errno (ESRCH: no such process), or EINVAL for PIDFD_EMPTY with a pid
     */
    public static int pidfd_open(int pid, int flags) throws ErrnoException {
        if ((flags & PIDFD_EMPTY) != 0) {
            if (pid != 0 || flags != PIDFD_EMPTY) {
                throw new ErrnoException("pidfd_open", Errno.EINVAL, "PIDFD_EMPTY takes pid 0 and no other flag");
            }
            return Registry.open("pidfd_empty", true, true);
        }
        int fd = Libc.pidfdOpen(pid, flags);
        if (fd < 0) {
            throw new ErrnoException("pidfd_open", -fd, "pid " + pid);
        }
        return fd;
    }

    /**
     * Sets one configuration key. String values are encoded as UTF-8.
     *
     * @param fd a builder or an empty pidfd
     * @param cmd one of the PIDFD_CONFIG_SET_* commands
     * @param key the key, as in the tables above
     * @param value the string or path for SET_STRING and SET_PATH; null for SET_FLAG, SET_FD and SET_PATH_EMPTY
     * @param aux the fd for SET_FD and SET_PATH_EMPTY, the dirfd for SET_PATH, else 0
     * @throws ErrnoException when the key or its value is refused (see Errors above); the builder's log gets a line
     */
    public static void pidfd_config(int fd, int cmd, String key, String value, int aux) throws ErrnoException {
        Registry.config(fd, cmd, key, value == null ? null : value.getBytes(StandardCharsets.UTF_8), aux);
    }

    /**
     * Sets one configuration key from bytes (SET_BINARY lists are NUL-terminated elements).
     *
     * @param fd a builder or an empty pidfd
     * @param cmd one of the PIDFD_CONFIG_SET_* commands
     * @param key the key, as in the tables above
     * @param value the bytes, copied; null for SET_FLAG and SET_FD
     * @param aux the fd for SET_FD and SET_PATH_EMPTY, the dirfd for SET_PATH, else 0
     * @throws ErrnoException when the key or its value is refused; the builder's log gets a line
     */
    public static void pidfd_config(int fd, int cmd, String key, byte[] value, int aux) throws ErrnoException {
        Registry.config(fd, cmd, key, value == null ? null : value.clone(), aux);
    }

    /**
     * The builder's diagnostics log: one line per refused config call, oldest first (at most 64).
     *
     * @param fd a builder or an empty pidfd
     * @return the lines, oldest first
     * @throws ErrnoException EBADF if {@code fd} is not a builder
     */
    public static List<String> pidfd_config_log(int fd) throws ErrnoException {
        return Registry.log(fd);
    }

    /**
     * Starts a child as configured, with this run's overrides and actions. Blocks until the child
     * has exec'd or failed; a failure before exec is thrown here, synchronously.
     *
     * @throws io.pidspawn.SpawnException for a failure at a spawn step (before or in the child)
     * @throws ErrnoException for misuse of the fd (EBADF, EBUSY, ESRCH, EINVAL without executable)
     * @param fd a builder or an empty pidfd, with an executable configured
     * @param args this run's argv, environment and actions; {@link RunArgs#none()} for none
     * @return the child's pid and pidfd, which the caller owns
     */
    public static Spawned pidfd_spawn_run(int fd, RunArgs args) throws ErrnoException {
        return Registry.run(fd, args);
    }

    /**
     * Closes any fd; for a builder or empty pidfd it also frees everything the builder holds.
     *
     * @param fd the fd
     * @throws ErrnoException the errno of close(2) (EBADF: not open)
     */
    public static void close(int fd) throws ErrnoException {
        Registry.close(fd);
    }

    // ---- pidfd operations ----

    /**
     * pidfd_send_signal(2) with no siginfo.
     *
     * @param pidfd the process
     * @param sig the signal number, 0 to check only
     * @param flags 0, or PIDFD_SIGNAL_* flags (Linux 6.9)
     * @throws ErrnoException the kernel's errno (ESRCH: the process has exited)
     */
    public static void pidfd_send_signal(int pidfd, int sig, int flags) throws ErrnoException {
        Registry.checkPidfd("pidfd_send_signal", pidfd);
        int r = Libc.pidfdSendSignal(pidfd, sig, flags);
        if (r < 0) {
            throw new ErrnoException("pidfd_send_signal", -r, "pidfd " + pidfd + ", signal " + sig);
        }
    }

    /**
     * waitid(P_PIDFD, WEXITED): how the child ended. With {@link #WNOHANG}, null while it runs;
     * with {@link #WNOWAIT}, the child is left waitable.
     *
     * @param pidfd a pidfd of a child of this process
     * @param options 0, {@link #WNOHANG}, {@link #WNOWAIT}, or both
     * @return how it ended, or null with WNOHANG while it runs
     * @throws ErrnoException the kernel's errno (ECHILD: not a child, or already reaped)
     */
    public static ExitStatus pidfd_wait(int pidfd, int options) throws ErrnoException {
        Registry.checkPidfd("waitid", pidfd);
        if ((options & ~(WNOHANG | WNOWAIT)) != 0) {
            throw new ErrnoException("waitid", Errno.EINVAL, "options may be WNOHANG and WNOWAIT");
        }
        MemorySegment args = Native.scratch(SIGINFO_BYTES + Usage.RUSAGE_BYTES);
        MemorySegment info = args.asSlice(0, SIGINFO_BYTES);
        MemorySegment rusage = args.asSlice(SIGINFO_BYTES, Usage.RUSAGE_BYTES);
        int r;
        do {
            // The system call itself: its fifth argument, which the C library's waitid lacks,
            // is the reaped child's struct rusage.
            r = Libc.waitidRusage(Libc.P_PIDFD, pidfd, info, Libc.WEXITED | options, rusage);
        } while (r == -Errno.EINTR);
        if (r < 0) {
            throw new ErrnoException("waitid", -r, "pidfd " + pidfd);
        }
        ExitStatus s = decodeSiginfo(info);
        return s == null || (options & WNOWAIT) != 0 ? s : s.withUsage(Usage.fromRusage(rusage));
    }

    private static final int SIGINFO_BYTES = 128;

    /** Decodes a waitid siginfo_t; null when it reports no child (WNOHANG, still running). */
    static ExitStatus decodeSiginfo(MemorySegment info) {
        int pid = info.get(ValueLayout.JAVA_INT, 16);   // si_pid
        int code = info.get(ValueLayout.JAVA_INT, 8);   // si_code
        int status = info.get(ValueLayout.JAVA_INT, 24); // si_status
        if (pid == 0) {
            return null;
        }
        return switch (code) {
            case Libc.CLD_EXITED -> ExitStatus.exited(status & 0xff);
            case Libc.CLD_KILLED -> ExitStatus.killed(status, false);
            case Libc.CLD_DUMPED -> ExitStatus.killed(status, true);
            default -> throw new IllegalStateException("waitid reported si_code " + code + " for WEXITED");
        };
    }

    /**
     * pidfd_getfd(2): a copy of the child's fd {@code targetfd}, close-on-exec.
     *
     * @param pidfd the process
     * @param targetfd the fd number in that process
     * @param flags 0 (the only value the kernel accepts)
     * @return the new fd in this process
     * @throws ErrnoException the kernel's errno (EPERM without ptrace rights, EBADF: no such fd)
     */
    public static int pidfd_getfd(int pidfd, int targetfd, int flags) throws ErrnoException {
        Registry.checkPidfd("pidfd_getfd", pidfd);
        int r = Libc.pidfdGetfd(pidfd, targetfd, flags);
        if (r < 0) {
            throw new ErrnoException("pidfd_getfd", -r, "pidfd " + pidfd + ", fd " + targetfd);
        }
        return r;
    }

    /**
     * Whether the process has exited, waiting up to timeoutMillis (0: just check; -1: forever):
     * poll(2) for POLLIN on the pidfd.
     *
     * @param pidfd the process
     * @param timeoutMillis the longest wait in milliseconds; 0 to check, -1 forever
     * @return true if it has exited
     * @throws ErrnoException the errno of poll
     */
    public static boolean pidfd_poll(int pidfd, int timeoutMillis) throws ErrnoException {
        Registry.checkPidfd("poll", pidfd);
        int revents = Libc.pollOne(pidfd, Libc.POLLIN, timeoutMillis); // resumed after EINTR
        if (revents < 0) {
            throw new ErrnoException("poll", -revents, "pidfd " + pidfd);
        }
        if ((revents & Libc.POLLNVAL) != 0) {
            throw new ErrnoException("poll", Errno.EBADF, "fd " + pidfd + " is not open");
        }
        return (revents & Libc.POLLIN) != 0;
    }

    // linux/pidfd.h: PIDFD_GET_INFO = _IOWR(0xFF, 11, struct pidfd_info), 64 bytes (6.13)
    private static final long PIDFD_GET_INFO = (3L << 30) | (64L << 16) | (0xFFL << 8) | 11;
    private static final long PIDFD_INFO_PID = 1, PIDFD_INFO_CREDS = 2, PIDFD_INFO_CGROUPID = 4, PIDFD_INFO_EXIT = 8;

    /**
     * What the kernel knows about the process: PIDFD_GET_INFO where the kernel has it (6.13), with
     * the exit status once reaped where it has PIDFD_INFO_EXIT (6.15); else read from /proc.
     *
     * @param pidfd the process
     * @return what the kernel knows
     * @throws ErrnoException the kernel's errno (ESRCH: the process has exited and was reaped)
     */
    public static PidfdInfo pidfd_info(int pidfd) throws ErrnoException {
        Registry.checkPidfd("pidfd_info", pidfd);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(64, 8);
            info.set(ValueLayout.JAVA_LONG, 0, PIDFD_INFO_PID | PIDFD_INFO_CREDS | PIDFD_INFO_CGROUPID | PIDFD_INFO_EXIT);
            int r = Libc.ioctl(pidfd, PIDFD_GET_INFO, info);
            if (r == 0) {
                long mask = info.get(ValueLayout.JAVA_LONG, 0);
                ExitStatus exit = (mask & PIDFD_INFO_EXIT) != 0
                        ? ExitStatus.fromWaitStatus(info.get(ValueLayout.JAVA_INT, 60)) : null;
                return new PidfdInfo(info.get(ValueLayout.JAVA_INT, 16), info.get(ValueLayout.JAVA_INT, 24),
                        info.get(ValueLayout.JAVA_INT, 28), info.get(ValueLayout.JAVA_INT, 36),
                        info.get(ValueLayout.JAVA_INT, 32), info.get(ValueLayout.JAVA_INT, 40),
                        (mask & PIDFD_INFO_CGROUPID) != 0 ? info.get(ValueLayout.JAVA_LONG, 8) : 0, exit, true);
            }
            if (r != -Errno.ENOTTY && r != -Errno.EINVAL) {
                throw new ErrnoException("pidfd_info", -r, "pidfd " + pidfd);
            }
        }
        return infoFromProc(pidfd);
    }

    private static PidfdInfo infoFromProc(int pidfd) throws ErrnoException {
        try {
            int pid = Integer.parseInt(field(Path.of("/proc/self/fdinfo/" + pidfd), "Pid"));
            if (pid <= 0) {
                throw new ErrnoException("pidfd_info", Errno.ESRCH,
                        pid == 0 ? "pidfd " + pidfd + ": process in another pid namespace" : "pidfd " + pidfd + ": process has exited");
            }
            Path status = Path.of("/proc/" + pid + "/status");
            String[] uids = field(status, "Uid").split("\\s+");
            String[] gids = field(status, "Gid").split("\\s+");
            return new PidfdInfo(pid, Integer.parseInt(field(status, "PPid")), Integer.parseInt(uids[0]),
                    Integer.parseInt(uids[1]), Integer.parseInt(gids[0]), Integer.parseInt(gids[1]), 0, null, false);
        } catch (IOException | RuntimeException e) {
            throw new ErrnoException("pidfd_info", Errno.ESRCH, "pidfd " + pidfd + ": " + e.getMessage());
        }
    }

    private static String field(Path file, String name) throws IOException {
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        throw new IOException(file + " has no " + name + " field (not a pidfd?)");
    }

    /**
     * The symbolic name of a config command, for messages.
     *
     * @param cmd a PIDFD_CONFIG_SET_* number
     * @return its name, such as {@code SET_STRING}, or the number for an unknown one
     */
    public static String commandName(int cmd) {
        return switch (cmd) {
            case PIDFD_CONFIG_SET_FLAG -> "SET_FLAG";
            case PIDFD_CONFIG_SET_STRING -> "SET_STRING";
            case PIDFD_CONFIG_SET_BINARY -> "SET_BINARY";
            case PIDFD_CONFIG_SET_PATH -> "SET_PATH";
            case PIDFD_CONFIG_SET_PATH_EMPTY -> "SET_PATH_EMPTY";
            case PIDFD_CONFIG_SET_FD -> "SET_FD";
            default -> "command " + cmd;
        };
    }
}
