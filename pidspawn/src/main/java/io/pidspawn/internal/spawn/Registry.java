package io.pidspawn.internal.spawn;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.internal.linux.KernelFeatures;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.linux.LongLivedFds;
import io.pidspawn.uapi.PidfdSpawn;
import io.pidspawn.uapi.RunArgs;
import io.pidspawn.uapi.Spawned;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which fds are builders. A builder is a real fd (a memfd, so the kernel's own pidfd calls reject
 * it with EBADF), and the library keeps its state here, keyed by fd number and checked against
 * the fd's inode on every call: a number someone closed and reused is never mistaken for the
 * builder that had it.
 */
public final class Registry {
    private static final ConcurrentHashMap<Integer, Builder> BUILDERS = new ConcurrentHashMap<>();

    private Registry() {}

    public static int open(String name, boolean cloexec, boolean emptyPidfd) throws ErrnoException {
        KernelFeatures.require();
        int fd = Libc.memfdCreate(name, cloexec ? Libc.MFD_CLOEXEC : 0);
        if (fd < 0) {
            throw new ErrnoException(emptyPidfd ? "pidfd_open" : "pidfd_spawn_open", -fd, "memfd_create");
        }
        if (cloexec) {
            // Out of the low numbers callers choose for file actions (an inheritable one keeps its number).
            fd = LongLivedFds.move(fd);
        }
        int[] err = {0};
        FileIdentity id = FileIdentity.ofFd(fd, err);
        if (id == null) {
            Libc.close(fd);
            throw new ErrnoException("pidfd_spawn_open", -err[0], "statx of the new builder");
        }
        Builder stale = BUILDERS.put(fd, new Builder(fd, emptyPidfd ? Builder.Kind.EMPTY_PIDFD : Builder.Kind.BUILDER, id));
        if (stale != null) {
            stale.forget(); // its number was closed behind our back and the kernel reused it
        }
        return fd;
    }

    /** The builder at fd, or null when fd is not (or no longer) one. */
    private static Builder lookup(int fd) {
        Builder b = BUILDERS.get(fd);
        if (b == null) {
            return null;
        }
        int[] err = {0};
        if (b.fdIdentity().sameInode(FileIdentity.ofFd(fd, err)) || b.isAt(fd)) {
            return b;
        }
        if (BUILDERS.remove(fd, b)) {
            b.forget();
        }
        return null;
    }

    private static Builder require(String call, int fd) throws ErrnoException {
        Builder b = lookup(fd);
        if (b == null) {
            throw new ErrnoException(call, Errno.EBADF, fd < 0 ? "fd " + fd + " is negative" : "fd " + fd + " is not a pidfd_spawn builder");
        }
        return b;
    }

    public static void config(int fd, int cmd, String key, byte[] value, int aux) throws ErrnoException {
        require("pidfd_config", fd).config(cmd, key, value, aux);
    }

    public static Spawned run(int fd, RunArgs args) throws ErrnoException {
        return require("pidfd_spawn_run", fd).run(args == null ? RunArgs.none() : args, Builder.RunFor.UAPI);
    }

    /**
     * posix_spawn of a relative path after a chdir action: the program is the path as the child
     * resolves it when it execs, not pinned by this process (glibc's rule; there is no file here
     * to pin, for the path names one only in the directory the actions lead to).
     */
    public static void execInChild(int fd, String path) throws ErrnoException {
        require("posix_spawn", fd).execInChild(path);
    }

    /**
     * posix_spawnp with a relative or empty PATH entry: the child execs each of
     * {@code candidates} in turn after the run's actions, as execvp in glibc's child does. Nothing
     * is pinned: the candidates name files only in the directory the child is in by then.
     */
    public static void searchInChild(int fd, String name, List<String> candidates) throws ErrnoException {
        require("posix_spawnp", fd).searchInChild(name, candidates);
    }

    /**
     * posix_spawnp's search goes on in the child when the program pinned for it fails to exec
     * with an errno execvp passes over: the child execs each of {@code paths} (the later PATH
     * candidates) in turn, by path.
     */
    public static void searchFallback(int fd, List<String> paths) throws ErrnoException {
        require("posix_spawnp", fd).searchFallback(paths);
    }

    /**
     * A run without the UAPI's limits: posix_spawn takes any number of actions, and passes envp
     * to exec as given (an entry without {@code =} too), as glibc's does.
     */
    public static Spawned runUnlimited(int fd, RunArgs args) throws ErrnoException {
        return require("posix_spawn", fd).run(args, Builder.RunFor.POSIX);
    }

    /**
     * The builder at fd, resolved once for an owner that keeps fd open for as long as it runs it
     * (a {@code Command}): its runs then skip the per-call check that fd still holds that builder.
     * The check guards a number against being closed and reused behind the library's back; a
     * runner does not go through the number at all, so a run reaches the same builder state
     * whatever happened to it, and a closed builder refuses with EBADF as before.
     *
     * @param fd a builder this caller opened and owns
     * @return the runner of that builder
     * @throws ErrnoException EBADF when fd is not a builder
     */
    public static Runner runner(int fd) throws ErrnoException {
        return new Runner(require("pidfd_spawn_run", fd));
    }

    /** Runs one builder without looking its fd up again; see {@link #runner(int)}. */
    public static final class Runner {
        private final Builder builder;

        private Runner(Builder builder) {
            this.builder = builder;
        }

        /**
         * As {@code pidfd_spawn_run} on the builder's fd.
         *
         * @param args what this run adds to the configuration, or null for nothing
         * @return the started child
         * @throws ErrnoException as {@code pidfd_spawn_run} fails
         */
        public Spawned run(RunArgs args) throws ErrnoException {
            return builder.run(args == null ? RunArgs.none() : args, Builder.RunFor.COMMAND);
        }
    }

    public static List<String> log(int fd) throws ErrnoException {
        return require("pidfd_config_log", fd).log();
    }

    /** Whether fd is a builder or an empty pidfd this library manages. */
    public static boolean isManaged(int fd) {
        return lookup(fd) != null;
    }

    /**
     * Refuses what pidfd operations must not act on: a builder (EBADF) and an empty or dead
     * one-fd pidfd (ESRCH). A started one-fd pidfd, and any fd the library does not manage, pass.
     */
    public static void checkPidfd(String call, int fd) throws ErrnoException {
        Builder b = lookup(fd);
        if (b == null || b.life() == Builder.Life.STARTED) {
            return;
        }
        if (b.kind == Builder.Kind.BUILDER) {
            throw new ErrnoException(call, Errno.EBADF, "fd " + fd + " is a pidfd_spawn builder, not a pidfd");
        }
        throw new ErrnoException(call, Errno.ESRCH, b.life() == Builder.Life.DEAD
                ? "pidfd " + fd + " has no process: its run failed"
                : "pidfd " + fd + " is empty: it has not been run");
    }

    /** Closes fd, releasing the builder state behind it if there is one. */
    public static void close(int fd) throws ErrnoException {
        Builder b = lookup(fd);
        if (b != null) {
            BUILDERS.remove(fd, b);
            b.close();
            return;
        }
        int r = Libc.close(fd);
        if (r < 0) {
            throw new ErrnoException("close", -r, "fd " + fd);
        }
    }

    /**
     * The builder now at fd, as a token for {@link #closeIfOwner}: whoever keeps a builder fd for
     * later (a Command, its cleaner) closes through the token, never by the bare number.
     */
    public static Object owner(int fd) {
        return lookup(fd);
    }

    /**
     * Closes fd only if it is still the builder {@code owner} names. If the number was closed
     * behind the owner's back and reused (by another builder or any other file), nothing is
     * closed: the owner's state is released and false returned, so that a late close (a dropped
     * Command's cleaner) can never close a fd someone else now holds.
     */
    public static boolean closeIfOwner(int fd, Object owner) {
        Builder b = lookup(fd);
        if (b != null && b == owner) {
            BUILDERS.remove(fd, b);
            b.close();
            return true;
        }
        if (owner instanceof Builder gone) {
            BUILDERS.remove(fd, gone);
            gone.forget();
        }
        return false;
    }

    /** Tests only: how long a child may stay stopped before exec before it is killed. */
    public static void setStoppedChildLimitMillis(long millis) {
        StoppedChildWatchdog.setLimitMillis(millis);
    }

    /** Tests only: the next runs on this thread fail in the child at {@code step} with {@code errno}. */
    public static void injectFault(int step, int errno) {
        Builder.FAULT.set(step == 0 ? null : new int[] {step, errno});
    }

    /** Tests only: runs on this thread skip the parent's argv and environment size check (exec decides). */
    public static void skipArgLimitCheck(boolean skip) {
        Builder.NO_ARG_LIMIT_CHECK.set(skip ? Boolean.TRUE : null);
    }
}
