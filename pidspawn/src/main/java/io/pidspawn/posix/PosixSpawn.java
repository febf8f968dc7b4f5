package io.pidspawn.posix;

import static io.pidspawn.uapi.PidfdSpawn.*;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.SpawnException;
import io.pidspawn.SpawnStep;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.spawn.FdReserve;
import io.pidspawn.internal.spawn.PathSearch;
import io.pidspawn.internal.spawn.Registry;
import io.pidspawn.uapi.PidfdSpawn;
import io.pidspawn.uapi.RunArgs;
import io.pidspawn.uapi.Spawned;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * posix_spawn() and posix_spawnp(), built on the pidfd_spawn builder alone: each call opens a
 * builder, configures it from the attributes, runs it once with the file actions as its
 * per-run actions, and closes it. There is no second way to spawn in pidspawn.
 *
 * <pre>{@code
 * FileActions fa = new FileActions().adddup2(pipeWrite, 1);
 * Spawned child = PosixSpawn.posix_spawnp("grep", fa, null,
 *         List.of("grep", "-r", "TODO", "."), List.of("PATH=/usr/bin:/bin"));
 * }</pre>
 *
 * <h2>What this layer does on top of the builder</h2>
 * <ul>
 * <li>The child inherits every fd the caller has open without close-on-exec (the builder closes
 *     them by default; here inherit-fds is set).</li>
 * <li>The child's signal mask is the calling thread's, unless POSIX_SPAWN_SETSIGMASK gives one
 *     (the builder starts programs with an empty mask). Signals the caller ignores stay ignored
 *     unless POSIX_SPAWN_SETSIGDEF lists them; handled ones are reset by exec.</li>
 * <li>argv and envp reach exec as given (order, duplicates, an envp entry without {@code =},
 *     an empty argv, which the kernel turns into argc 1 with argv[0] ""), and any number of
 *     file actions is taken: the builder's 256 per run and its NAME=value rule are the UAPI's,
 *     not posix_spawn's.</li>
 * <li>posix_spawnp's PATH search is execvp's: absolute entries are searched here and the file
 *     found pinned; from an empty or relative entry on, or when the pinned file fails to exec
 *     with an errno execvp passes over, the child goes on after its file actions, as glibc's.</li>
 * <li>With the fd table full, a spawn borrows the few fds it needs from a reserve this layer
 *     holds, so it succeeds where glibc's does.</li>
 * </ul>
 * The differences from glibc that remain, and why, are listed in the
 * {@linkplain io.pidspawn.posix package documentation}.
 */
public final class PosixSpawn {
    static {
        // Probed and reserved when the class is initialised, so that even the first posix_spawn
        // finds the fds it needs with the caller's fd table full.
        FdReserve.prepare();
    }

    /** execvp's search path when the caller has no PATH (glibc's {@code _CS_PATH}). */
    static final String DEFAULT_PATH = "/bin:/usr/bin";
    private static final int NAME_MAX = 255;
    private static final int ENODEV = 19;

    private PosixSpawn() {}

    /**
     * posix_spawn(): run {@code path} with {@code argv} and {@code envp} after the file actions
     * and attributes.
     *
     * @param path the executable; never searched for in PATH
     * @param fileActions may be null (no actions)
     * @param attr may be null (no flags)
     * @param argv the argument vector, argv[0] included
     * @param envp the environment as {@code NAME=value} strings
     * @return the child's pid and a pidfd for it
     * @throws ErrnoException with the errno posix_spawn would return
     */
    public static Spawned posix_spawn(String path, FileActions fileActions, SpawnAttributes attr, List<String> argv,
                                      List<String> envp) throws ErrnoException {
        return spawn(path, false, fileActions, attr, argv, envp);
    }

    /**
     * posix_spawnp(): as posix_spawn, but a {@code file} without a slash is searched for in the
     * caller's PATH as the C library's environment has it now (not the one in {@code envp}), as
     * execvp does: entries where it is missing or may not be executed are skipped (EACCES if one
     * was denied and none found); an empty entry is the working directory, and an empty or
     * relative entry is searched in the directory the file actions lead to. Without a PATH,
     * "/bin:/usr/bin".
     *
     * @param file the executable: a path, or a name searched for in PATH
     * @param fileActions may be null (no actions)
     * @param attr may be null (no flags)
     * @param argv the argument vector, argv[0] included
     * @param envp the environment as {@code NAME=value} strings
     * @return the child's pid and a pidfd for it
     * @throws ErrnoException with the errno posix_spawnp would return
     */
    public static Spawned posix_spawnp(String file, FileActions fileActions, SpawnAttributes attr, List<String> argv,
                                       List<String> envp) throws ErrnoException {
        return spawn(file, file.indexOf('/') < 0, fileActions, attr, argv, envp);
    }

    /**
     * pidfd_spawn() (glibc 2.39): as posix_spawn, returning only the child's pidfd (close-on-exec),
     * which the caller waits on and closes.
     *
     * @param path the executable's path
     * @param fileActions may be null (no actions)
     * @param attr may be null (no flags)
     * @param argv the argument vector, argv[0] included
     * @param envp the environment, {@code NAME=value} strings
     * @return the child's pidfd
     * @throws ErrnoException with the errno posix_spawn would return
     */
    public static int pidfd_spawn(String path, FileActions fileActions, SpawnAttributes attr, List<String> argv,
                                  List<String> envp) throws ErrnoException {
        return posix_spawn(path, fileActions, attr, argv, envp).pidfd();
    }

    /**
     * pidfd_spawnp() (glibc 2.39): as posix_spawnp, returning only the child's pidfd.
     *
     * @param file the executable: a path, or a name searched for in PATH
     * @param fileActions may be null (no actions)
     * @param attr may be null (no flags)
     * @param argv the argument vector, argv[0] included
     * @param envp the environment, {@code NAME=value} strings
     * @return the child's pidfd
     * @throws ErrnoException with the errno posix_spawnp would return
     */
    public static int pidfd_spawnp(String file, FileActions fileActions, SpawnAttributes attr, List<String> argv,
                                   List<String> envp) throws ErrnoException {
        return posix_spawnp(file, fileActions, attr, argv, envp).pidfd();
    }

    /**
     * posix_spawnp with the environment as a map, in iteration order.
     *
     * @param file the executable: a path, or a name searched for in PATH
     * @param fileActions may be null (no actions)
     * @param attr may be null (no flags)
     * @param argv the argument vector, argv[0] included
     * @param env the environment, by name
     * @return the child's pid and a pidfd for it
     * @throws ErrnoException with the errno posix_spawnp would return
     */
    public static Spawned posix_spawnp(String file, FileActions fileActions, SpawnAttributes attr, List<String> argv,
                                       Map<String, String> env) throws ErrnoException {
        return posix_spawnp(file, fileActions, attr, argv,
                env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
    }

    private static Spawned spawn(String path, boolean search, FileActions fileActions, SpawnAttributes attr,
                                 List<String> argv, List<String> envp) throws ErrnoException {
        if (path == null || path.isEmpty()) {
            throw new ErrnoException("posix_spawn", Errno.ENOENT, "empty path");
        }
        FdReserve.fill();
        try {
            return spawnOnce(path, search, fileActions, attr, argv, envp);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EMFILE) {
                throw e;
            }
            // The fd table is full: glibc's posix_spawn needs no fd, this one needs a few for
            // the spawn's duration. Lend it the reserve, and take it back after.
            synchronized (FdReserve.class) {
                FdReserve.lend();
                try {
                    return spawnOnce(path, search, fileActions, attr, argv, envp);
                } finally {
                    FdReserve.fill();
                }
            }
        }
    }

    private static Spawned spawnOnce(String path, boolean search, FileActions fileActions, SpawnAttributes attr,
                                     List<String> argv, List<String> envp) throws ErrnoException {
        int b = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
        boolean denied = false;
        try {
            if (search) {
                denied = search(b, path);
            } else if (!path.startsWith("/") && fileActions != null && fileActions.changesDirectory()) {
                Registry.execInChild(b, path); // relative to where the actions lead, as in glibc
            } else {
                pidfd_config(b, PIDFD_CONFIG_SET_PATH, KEY_EXECUTABLE, path, AT_FDCWD);
            }
            pidfd_config(b, PIDFD_CONFIG_SET_FLAG, KEY_INHERIT_FDS, (String) null, 0);
            configure(b, attr == null ? new SpawnAttributes() : attr);
            // argv and envp go to exec as given: order, duplicates and an empty argv included.
            RunArgs run = new RunArgs(List.copyOf(argv), List.copyOf(envp),
                    fileActions == null ? List.of() : fileActions.actions());
            try {
                return Registry.runUnlimited(b, run);
            } catch (SpawnException e) {
                if (denied && e.step() == SpawnStep.EXEC && passedOver(e.errno())) {
                    // the child's search found nothing either: EACCES, for the candidate denied here
                    throw new SpawnException(e.program(), SpawnStep.EXEC, Errno.EACCES, "a PATH candidate was not executable", -1);
                }
                throw e;
            }
        } finally {
            PidfdSpawn.close(b);
        }
    }

    /**
     * posix_spawnp's PATH search: the caller's PATH as the C library sees it now (setenv
     * included), not envp's; glibc's {@code /bin:/usr/bin} without one. Absolute entries are
     * looked at here and the first file that looks executable is pinned; should its exec fail
     * as execvp passes over (EACCES: an ACL, a noexec mount), the child goes on with the later
     * candidates. From the first empty or relative entry on, the child searches, after its file
     * actions, as glibc's does.
     *
     * @return whether a candidate before the pinned one was denied, which makes a search that
     *     the child ends without success fail with EACCES
     */
    private static boolean search(int b, String file) throws ErrnoException {
        if (file.getBytes(StandardCharsets.UTF_8).length > NAME_MAX) {
            throw new ErrnoException("posix_spawnp", Errno.ENAMETOOLONG, "file name longer than " + NAME_MAX + " bytes");
        }
        String callerPath = Libc.getenv("PATH");
        String path = callerPath != null ? callerPath : DEFAULT_PATH;
        PathSearch.Execvp found = PathSearch.execvp(file, path);
        if (found.inChild() != null) {
            Registry.searchInChild(b, file, found.inChild());
        } else if (found.found() != null) {
            pidfd_config(b, PIDFD_CONFIG_SET_PATH, KEY_EXECUTABLE, found.found(), AT_FDCWD);
            if (!found.rest().isEmpty()) {
                Registry.searchFallback(b, found.rest());
            }
        } else {
            throw new ErrnoException("posix_spawnp", found.errno(), file + " in PATH=" + path);
        }
        return found.denied();
    }

    /** Whether execvp's search goes on past an exec that failed with this errno. */
    private static boolean passedOver(int errno) {
        return errno == Errno.ENOENT || errno == Errno.ENOTDIR || errno == Errno.ESTALE || errno == Errno.ETIMEDOUT
                || errno == ENODEV;
    }

    private static void configure(int b, SpawnAttributes attr) throws ErrnoException {
        if (attr.has(SpawnAttributes.POSIX_SPAWN_SETCGROUP)) {
            pidfd_config(b, PIDFD_CONFIG_SET_FD, "cgroup", (String) null, attr.cgroup);
        }
        if (attr.has(SpawnAttributes.POSIX_SPAWN_SETSID)) {
            pidfd_config(b, PIDFD_CONFIG_SET_FLAG, "setsid", (String) null, 0);
        }
        if (attr.has(SpawnAttributes.POSIX_SPAWN_SETPGROUP)) {
            pidfd_config(b, PIDFD_CONFIG_SET_STRING, "pgid", Integer.toString(attr.pgroup), 0);
        }
        if (attr.has(SpawnAttributes.POSIX_SPAWN_SETSCHEDULER)) {
            pidfd_config(b, PIDFD_CONFIG_SET_STRING, "sched", policyName(attr.schedpolicy) + ":" + attr.schedpriority, 0);
        } else if (attr.has(SpawnAttributes.POSIX_SPAWN_SETSCHEDPARAM)) {
            pidfd_config(b, PIDFD_CONFIG_SET_STRING, "sched-priority", Integer.toString(attr.schedpriority), 0);
        }
        if (attr.has(SpawnAttributes.POSIX_SPAWN_RESETIDS)) {
            pidfd_config(b, PIDFD_CONFIG_SET_FLAG, "reset-ids", (String) null, 0);
        }
        if (attr.has(SpawnAttributes.POSIX_SPAWN_SETSIGDEF)) {
            pidfd_config(b, PIDFD_CONFIG_SET_STRING, "sigdefault", signalList(attr.sigdefault), 0);
        }
        long mask = attr.has(SpawnAttributes.POSIX_SPAWN_SETSIGMASK) ? attr.sigmask : Libc.threadSigmask();
        pidfd_config(b, PIDFD_CONFIG_SET_STRING, "sigmask", signalList(mask), 0);
    }

    private static String policyName(int policy) {
        return switch (policy) {
            case SpawnAttributes.SCHED_FIFO -> "fifo";
            case SpawnAttributes.SCHED_RR -> "rr";
            case SpawnAttributes.SCHED_BATCH -> "batch";
            case SpawnAttributes.SCHED_IDLE -> "idle";
            default -> "other";
        };
    }

    private static String signalList(long set) {
        StringBuilder s = new StringBuilder();
        for (int sig = 1; sig <= 64; sig++) {
            if ((set & (1L << (sig - 1))) != 0) {
                s.append(s.isEmpty() ? "" : ",").append(sig);
            }
        }
        return s.toString();
    }
}
